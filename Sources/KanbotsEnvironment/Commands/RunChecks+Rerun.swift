import KanbotsCore
import KanbotsGit
import KanbotsStore

extension RunChecks {
    /// `git kanbots check RUN`: runs a finished run's checks again on its
    /// branch tip, in its worktree (checked out again if `gc` removed it),
    /// and records the new result. Refuses a run that is still active, has
    /// no branch, shares its worktree with an active reply, or has no checks.
    public func rerun(_ id: RunID, onStart: @escaping (Int, Int, String) -> Void = { _, _, _ in }) throws
        -> (record: RunRecord, outcome: Outcome) {
        let record = try RunStore(repository).record(id)
        let commands = try commands(for: record)
        guard !commands.isEmpty else {
            throw KanbotsError.invalidArgument(
                "no checks configured; add one with `git config --add kanbots.check 'swift test'` "
                    + "or `git kanbots card edit \(record.card) --check CMD`")
        }
        let timeout = try Settings(repository).checkTimeout(default: ProjectCommandRunner.defaultTimeout)
        let worktree = try FinishedRunWorktree(id, repository: repository, purpose: "checks")
        return try FinishedRunWorktree.interruptible { isInterrupted in
            // A worktree `gc` removed lost its environment; any run's services ended with it.
            let environment: CheckEnvironment
            do {
                environment = try CheckEnvironment(
                    repository: repository, record: worktree.record, worktree: repository.absolutePath(record.worktree),
                    includingFiles: worktree.restored, runningSetup: worktree.restored,
                    scratchDirectory: repository.runDirectory(id), shouldStop: isInterrupted)
            } catch let failure as CheckEnvironment.Failure {
                failure.logPath.map { _ = unlink($0) }
                throw KanbotsError.invalidArgument(
                    "the checks of run \(id) did not run: \(failure); fix it, then `git kanbots setup \(id)` and check again")
            }
            defer { environment.end() }
            let outcome = run(commands, for: worktree.record, commit: worktree.tip.hex, timeout: timeout,
                              environment: environment.variables,
                              shouldStop: isInterrupted, onStart: { onStart($0, commands.count, $1) })
            if isInterrupted() {
                unlink(outcome.logPath)
                throw KanbotsError.invalidArgument("checks of run \(id) interrupted; nothing recorded")
            }
            return (try self.record(outcome, of: id), outcome)
        }
    }
}
