import KanbotsAgents
import KanbotsCore
import KanbotsStore
import KanbotsSystem

/// A run's checks, end to end: which commands (the repository's
/// `kanbots.check`, then the card's own), running them with `ProjectCommandRunner`
/// in the run's worktree, and keeping their output as the record's
/// `checks.log` (redacted like transcripts, its last 1 MB). Used by the
/// supervisor when an agent ends with commits and by `git kanbots check`.
public struct RunChecks {
    let repository: KanbotsRepository

    public init(repository: KanbotsRepository) { self.repository = repository }

    /// The commands for a run, in the order they run.
    public func commands(for record: RunRecord) throws -> [String] {
        let cardChecks = (try? CardStore(repository).card(record.card))?.checks ?? []
        return Settings(repository).checkCommands + cardChecks
    }

    /// One pass of the checks over a run's worktree.
    public struct Outcome {
        public var result: ChecksResult
        /// The redacted tail of the output, ready to attach as `checks.log`.
        public var logPath: String
    }

    /// Runs `commands` in the run's worktree on `commit` (its branch tip).
    /// The caller attaches the log with `record(_:of:)` and removes it.
    /// Set in a run's checks' environment to the run's id, so that the
    /// checks of a run whose supervisor was killed can be found and ended
    /// (`Reconciler`), and so a check can tell which run it checks.
    public static let runVariable = "KANBOTS_CHECK_RUN"

    ///
    /// - Parameter environment: variables over the run's own (a `check`
    ///   after the run ended holds ports of its own, `CheckEnvironment`).
    public func run(_ commands: [String], for record: RunRecord, commit: String, timeout: TimeInterval,
                    environment: [String: String] = [:],
                    shouldStop: @escaping () -> Bool = { false },
                    onStart: @escaping (Int, String) -> Void = { _, _ in }) -> Outcome {
        var runner = ProjectCommandRunner(commands: commands, timeout: timeout)
        runner.extraEnvironment = RunVariables(record: record, worktree: repository.absolutePath(record.worktree)).values
            .merging(environment) { _, given in given }
        runner.extraEnvironment[Self.runVariable] = record.id.description
        runner.shouldStop = shouldStop
        runner.onStart = onStart
        let (result, log) = RecordedCommands(runner).run(
            in: repository.absolutePath(record.worktree), runDirectory: repository.runDirectory(record.id),
            logName: ChecksResult.logFile, commit: commit)
        return Outcome(result: result, logPath: log)
    }

    /// Records a checks outcome on the run (a record update, not a
    /// transition) with its log as the attachment `checks.log`.
    @discardableResult
    public func record(_ outcome: Outcome, of id: RunID) throws -> RunRecord {
        defer { unlink(outcome.logPath) }
        return try RunStore(repository).update(id, diskFiles: [ChecksResult.logFile: outcome.logPath]) { record in
            record.checks = outcome.result
            return true
        }
    }
}
