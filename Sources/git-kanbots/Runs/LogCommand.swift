import ArgumentParser
import Foundation
import KanbotsApp
import KanbotsCore
import KanbotsStore

struct LogCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "log",
        abstract: "Show a run's thread: what the agent said and did, and what it cost.",
        discussion: """
            Assistant text in full, tool calls one line each, results abbreviated, the cost so \
            far. Reads the live transcript while the run is on this machine, else the redacted \
            copy stored in the run's record (refs/kanbots/runs/<id>:transcript.ndjson). \
            --follow keeps printing as the agent works, until the run ends, with writes outside \
            the card's scope as they are flagged. --json prints the stream's NDJSON lines as they \
            were written. --checks prints the tail of the run's last checks output instead.
            """
    )

    @Argument(help: "The run id.") var runID: String
    @Flag(help: "Keep following the live stream until the run ends.") var follow = false
    @Flag(help: "Print the raw NDJSON events.") var json = false
    @Flag(help: "Print the tail of the run's checks output (checks.log) instead of the thread.") var checks = false
    @Option(help: "Lines of the checks output to print with --checks.") var tail = 40

    func run() throws {
        let repository = try openRepository()
        let id = try resolveRun(runID, in: repository)
        let store = RunStore(repository)
        let record = try store.record(id)
        if checks {
            try printChecks(record, store: store)
            return
        }
        var thread = try RunThread(record, in: repository)
        try RunLog(id, in: repository).read(follow: follow) { event in
            switch event {
            case .line(let line) where json: print(String(decoding: line, as: UTF8.self))
            case .line(let line): for text in thread.render(line) { print(text) }
            case .outOfScope(let path): if !json { print("⚠ out of scope: \(path)") }
            // A run that ended before its agent (a failed setup) still has its reason, printed below.
            case .noTranscript(let stillActive): print("run \(id) has no transcript\(stillActive ? " yet" : "")")
            }
        }
        try printEnding(store: store, id: id)
    }

    /// After the thread: the writes outside the card's scope (unless
    /// --follow printed them already) and the checks' outcome.
    private func printEnding(store: RunStore, id: RunID) throws {
        guard !json else { return }
        let record = try store.record(id)
        if !follow {
            for path in record.scopeViolations { print("⚠ out of scope: \(path)") }
        }
        if let result = record.checks { print(ChecksJSON.summary(result)) }
        // Why the agent failed: the end of its stderr, and the fix when known.
        let failure = EnvironmentText.failureBlock(record, store: store) + AgentErrorText.block(record, store: store)
        if !failure.isEmpty { print("\n" + failure.joined(separator: "\n")) }
    }

    private func printChecks(_ record: RunRecord, store: RunStore) throws {
        guard let result = record.checks, let log = try store.attachment(ChecksResult.logFile, of: record.id) else {
            print("run \(record.id) has no checks recorded; run them with `git kanbots check \(record.id)`")
            return
        }
        print(ChecksJSON.tail(of: log, lines: tail))
        print(ChecksJSON.summary(result))
    }
}
