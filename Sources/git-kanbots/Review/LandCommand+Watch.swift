import ArgumentParser
import Foundation
import KanbotsApp
import KanbotsCore
import KanbotsReview
import KanbotsStore

/// Set from a signal handler: Ctrl-C ends `land --watch` between passes.
nonisolated(unsafe) private var watchInterrupted: Int32 = 0

extension LandCommand {
    /// `land --watch`: the merge queue, one line per event.
    func watchQueue(_ repository: KanbotsRepository) throws {
        let policy = try LandingQueue.policy(Settings(repository), unchecked: unchecked)
        let handler: @convention(c) (Int32) -> Void = { watchInterrupted = $0 }
        signal(SIGINT, handler)
        signal(SIGTERM, handler)
        if session != nil { signal(SIGHUP, SIG_IGN) }  // started in the background by `autopilot start --land`
        if !json { print("watching the review queue; Ctrl-C stops (a landing in progress finishes first)") }
        try LandingQueue(repository, session: session).watch(
            policy, interval: interval, maxPasses: once ? 1 : nil, shouldStop: { watchInterrupted != 0 },
            progress: { if !json { print("  " + $0) } }
        ) { events in
            for event in events {
                if json {
                    try? printJSON(LandingEventJSON(event))
                } else {
                    print(LandingQueue.summary(event))
                }
            }
        }
    }
}

/// One merge-queue event as `land --watch --json` prints it, one object per line.
struct LandingEventJSON: Encodable {
    var event: String
    var run: String
    var card: Int?
    var into: String?
    var commit: String?
    var by: String?
    var why: String?

    init(_ event: LandingQueue.Event) {
        switch event {
        case .landed(let run, let card, let into, let commit):
            (self.event, self.run, self.card, self.into, self.commit) = ("landed", run.description, card, into, commit)
        case .rebased(let run, let by):
            (self.event, self.run, self.by) = ("rebase", run.description, by.description)
        case .fixing(let run, let by):
            (self.event, self.run, self.by) = ("fix", run.description, by.description)
        case .stopped(let run, let by):
            (self.event, self.run, self.by) = ("stopped", run.description, by.description)
        case .waits(let run, let why):
            (self.event, self.run, self.why) = ("needs_human", run.description, why)
        }
    }

}
