import KanbotsCore
import KanbotsEnvironment
import KanbotsGit
import KanbotsStore

/// Set from a signal handler while `git kanbots check` runs: Ctrl-C must end
/// the checks' process groups, which do not get the terminal's signal.
nonisolated(unsafe) private var interruptedChecks: Int32 = 0

extension RunChecks {
    /// `git kanbots check RUN`: runs a finished run's checks again on its
    /// branch tip, in its worktree (checked out again if `gc` removed it),
    /// and records the new result. Refuses a run that is still active, has
    /// no branch, shares its worktree with an active reply, or has no checks.
    public func rerun(_ id: RunID, onStart: @escaping (Int, Int, String) -> Void = { _, _, _ in }) throws
        -> (record: RunRecord, outcome: Outcome) {
        let record = try RunStore(repository).record(id)
        let loader = BoardLoader(repository)
        if record.state.isActive, loader.liveness(of: record) != .gone {
            throw KanbotsError.runNotFinished(id.description, state: record.state.rawValue)
        }
        guard let tip = try repository.git.referenceTarget("refs/heads/" + record.branch) else {
            throw KanbotsError.invalidArgument(
                "run \(id) has no branch \(record.branch) (discarded or not in this clone); nothing to check")
        }
        if let busy = try loader.activeRun(inWorktree: record.worktree, excluding: id) {
            throw KanbotsError.runNotFinished(busy.id.description, state: busy.state.rawValue)
        }
        let commands = try commands(for: record)
        guard !commands.isEmpty else {
            throw KanbotsError.invalidArgument(
                "no checks configured; add one with `git config --add kanbots.check 'swift test'` "
                    + "or `git kanbots card edit \(record.card) --check CMD`")
        }
        let timeout = try Settings(repository).checkTimeout(default: ProjectCommandRunner.defaultTimeout)
        try FileManager.default.createDirectory(atPath: repository.runDirectory(id), withIntermediateDirectories: true)
        let lock = try FileLock(path: repository.runDirectory(id) + "/checks.lock")
        guard lock.tryLock() else {
            throw KanbotsError.invalidArgument("the checks of run \(id) are already running in another command; wait for it")
        }
        try Worktrees(repository).ensureCheckedOut(record, tip: tip)
        let handler: @convention(c) (Int32) -> Void = { interruptedChecks = $0 }
        let previous = (signal(SIGINT, handler), signal(SIGTERM, handler))
        defer {
            signal(SIGINT, previous.0)
            signal(SIGTERM, previous.1)
        }
        let outcome = run(commands, for: record, commit: tip.hex, timeout: timeout,
                          shouldStop: { interruptedChecks != 0 },
                          onStart: { onStart($0, commands.count, $1) })
        if interruptedChecks != 0 {
            unlink(outcome.logPath)
            throw KanbotsError.invalidArgument("checks of run \(id) interrupted; nothing recorded")
        }
        return (try self.record(outcome, of: id), outcome)
    }
}
