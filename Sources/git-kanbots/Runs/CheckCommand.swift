import ArgumentParser
import Foundation
import KanbotsApp
import KanbotsCore
import KanbotsStore

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
        let record = try RunActions(repository).check(id) { index, count, command in
            guard !json else { return }
            print("check \(index + 1)/\(count): \(command)")
        }
        guard let result = record.checks else { return }
        try printOutcome(result, of: "checks", log: ChecksResult.logFile, run: id, in: repository, json: json, tail: tail)
    }
}

/// `check` and `setup`'s ending: the outcome (JSON, or a line and the last
/// lines of the log when it failed), and exit status 1 unless it passed.
func printOutcome(_ result: ChecksResult, of what: String, log: String, run id: RunID, in repository: KanbotsRepository,
                  json: Bool, tail: Int) throws {
    if json {
        try printJSON(ChecksJSON(result))
    } else {
        print(ChecksJSON.summary(result, of: what))
        if result.outcome != .passed, let text = try RunStore(repository).attachment(log, of: id) {
            print(ChecksJSON.tail(of: text, lines: tail))
        }
    }
    if result.outcome != .passed { throw ExitCode(1) }
}
