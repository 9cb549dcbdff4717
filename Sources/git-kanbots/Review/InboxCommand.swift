import ArgumentParser
import Foundation
import KanbotsApp
import KanbotsCore

struct InboxCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inbox",
        abstract: "Everything that waits for you, oldest first; empty means nothing does.",
        discussion: """
            One line per item, with what to type next:
              decision        an agent asked a question (`git kanbots answer RUN N`)
              needs_human     a run in review that a human must land or fix: ready, high risk, \
            out of scope, checks failed, or conflicting with its base
              failed          a card's latest run failed
              budget_reached  an autopilot session spent its budget
            Items go away by themselves once dealt with: the inbox is derived from the board \
            every time. See docs/review.md, "The inbox".
            """
    )

    @Flag(help: "Print JSON (an array of items, docs/json.md).") var json = false

    func run() throws {
        let inbox = try Inbox.load(try openRepository())
        if json {
            try printJSON(inbox.items)
            return
        }
        guard !inbox.items.isEmpty else {
            print("Nothing needs you.")
            return
        }
        let now = Date()
        for item in inbox.items {
            let what = item.run.map { "run \($0)" } ?? item.session.map { "session \($0)" } ?? ""
            let card = item.card.map { "#\($0) " } ?? ""
            print("\(item.kind.rawValue.padding(toLength: 14, withPad: " ", startingAt: 0)) \(card)\(item.subject) · \(what) · "
                + "\(formatDuration(now.timeIntervalSince(item.since))) ago")
            print("    \(item.why)")
            print("    → \(item.next)")
        }
    }
}
