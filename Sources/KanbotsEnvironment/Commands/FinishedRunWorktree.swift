import KanbotsCore
import KanbotsGit
import KanbotsStore

/// Set from a signal handler while `git kanbots check` or `setup` runs:
/// Ctrl-C must end the commands' process groups, which do not get the
/// terminal's signal.
nonisolated(unsafe) private var interruptedCommands: Int32 = 0

/// A finished run's worktree, taken for project commands run in it again
/// (`git kanbots check`, `git kanbots setup`): the run must be over, have
/// its branch, and share its worktree with no active reply; the worktree is
/// checked out again if `gc` removed it; a lock keeps two such commands of
/// one run apart.
struct FinishedRunWorktree {
    let record: RunRecord
    let tip: ObjectID
    /// Whether the worktree had to be checked out again (`gc` removed it):
    /// then it has none of its environment (included files, setup).
    let restored: Bool
    private let lock: FileLock

    /// - Parameter purpose: `checks` or `setup`: names the lock and the errors.
    init(_ id: RunID, repository: KanbotsRepository, purpose: String) throws {
        let record = try RunStore(repository).record(id)
        let loader = BoardLoader(repository)
        if record.state.isActive, loader.liveness(of: record) != .gone {
            throw KanbotsError.runNotFinished(id.description, state: record.state.rawValue)
        }
        guard let tip = try repository.git.referenceTarget("refs/heads/" + record.branch) else {
            throw KanbotsError.invalidArgument(
                "run \(id) has no branch \(record.branch) (discarded or not in this clone); nothing to run \(purpose) on")
        }
        if let busy = try loader.activeRun(inWorktree: record.worktree, excluding: id) {
            throw KanbotsError.runNotFinished(busy.id.description, state: busy.state.rawValue)
        }
        try FileManager.default.createDirectory(atPath: repository.runDirectory(id), withIntermediateDirectories: true)
        lock = try FileLock(path: repository.runDirectory(id) + "/\(purpose).lock")
        guard lock.tryLock() else {
            throw KanbotsError.invalidArgument("the \(purpose) of run \(id) is already running in another command; wait for it")
        }
        restored = try Worktrees(repository).ensureCheckedOut(record, tip: tip)
        (self.record, self.tip) = (record, tip)
    }

    /// Runs `body` with SIGINT and SIGTERM turned into `isInterrupted()`.
    static func interruptible<T>(_ body: (_ isInterrupted: @escaping () -> Bool) throws -> T) rethrows -> T {
        interruptedCommands = 0
        let handler: @convention(c) (Int32) -> Void = { interruptedCommands = $0 }
        let previous = (signal(SIGINT, handler), signal(SIGTERM, handler))
        defer {
            signal(SIGINT, previous.0)
            signal(SIGTERM, previous.1)
        }
        return try body { interruptedCommands != 0 }
    }
}
