import ArgumentParser
import Foundation
import KanbotsCore
import KanbotsStore
import KanbotsSupervisor

struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Run a finished run's checks again and record the result.",
        discussion: """
            The checks are the repository's `git config kanbots.check` commands (several allowed, \
            run in order), then the card's own (`card edit N --check CMD`). They run in the run's \
            worktree on its branch tip (checked out again if `gc` removed it), each in its own \
            process group, within `kanbots.check-timeout` (default 30m). The result replaces the \
            run's recorded checks and the output its `checks.log`. Use it after fixing the \
            environment, or on a run a `reply` continued. Exits 1 when a check fails or times out.
            """)

    @Argument(help: "The run id (e.g. 7-k3qz, or 7 when unambiguous).") var runID: String
    @Flag(help: "Print the result as JSON instead of progress.") var json = false
    @Option(help: "Lines of the output to show when a check fails.") var tail = 20

    func run() throws {
        let repository = try openRepository()
        let id = try resolveRun(runID, in: repository)
        let checks = RunChecks(repository: repository)
        let (record, _) = try checks.rerun(id) { index, count, command in
            guard !json else { return }
            print("check \(index + 1)/\(count): \(command)")
        }
        guard let result = record.checks else { return }
        if json {
            try printJSON(ChecksJSON(result))
        } else {
            print(ChecksJSON.summary(result))
            if result.outcome != .passed, let log = try RunStore(repository).attachment(ChecksResult.logFile, of: id) {
                print(ChecksJSON.tail(of: log, lines: tail))
            }
        }
        if result.outcome != .passed { throw ExitCode(1) }
    }
}

/// A run's recorded checks as JSON (`check --json`, `show --json`) and as
/// one line of text.
struct ChecksJSON: JSONFields {
    var result: ChecksResult

    init(_ result: ChecksResult) { self.result = result }

    func writeFields<Sink: JSONFieldSink>(to sink: inout Sink) throws {
        try sink.field("outcome", result.outcome.rawValue)
        try sink.field("exit_code", result.exitCode.map(Int.init))
        try sink.field("seconds", result.seconds)
        try sink.field("failed_command", result.failedCommand)
        try sink.field("commit", result.commit)
    }

    static func summary(_ result: ChecksResult) -> String {
        let time = String(format: "%.1f s", result.seconds)
        let commit = result.commit.map { " on \($0.prefix(10))" } ?? ""
        switch result.outcome {
        case .passed:
            return "checks passed in \(time)\(commit)"
        case .failed:
            return "checks failed\(commit): `\(result.failedCommand ?? "?")` exited \(result.exitCode.map(String.init) ?? "?") after \(time)"
        case .timedOut:
            return "checks timed out\(commit): `\(result.failedCommand ?? "?")` was ended after \(time)"
        }
    }

    /// The last `lines` lines of a log.
    static func tail(of log: Data, lines count: Int) -> String {
        let lines = String(decoding: log, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
        let trimmed = lines.last == "" ? lines.dropLast() : lines[...]
        return trimmed.suffix(max(0, count)).joined(separator: "\n")
    }
}
