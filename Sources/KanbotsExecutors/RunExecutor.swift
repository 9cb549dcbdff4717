import KanbotsCore
import KanbotsStore
import KanbotsSystem

/// Where a claimed run's supervisor runs, how to ask whether it lives and
/// how to stop it. `local` starts `kanbots-supervisor run` as a detached
/// process on this machine; an engine's executor (Slurm, Kubernetes Jobs)
/// submits a job that runs the same supervisor in its
/// own clone of the git remote, the only channel between the two sides
/// (docs/executors.md).
public protocol RunExecutor {
    var kind: ExecutorKind { get }

    /// Refuses, with the fix, before a run is claimed: a missing engine
    /// client or remote leaves no trace.
    func checkAvailable() throws

    /// Starts the supervisor of a run claimed `queued`. Locally `start`
    /// carries the lock and the start signal handed to the supervisor; an
    /// engine's executor ignores it. Returns the engine's job id, if any.
    @discardableResult
    func submit(_ record: RunRecord, start: LocalStart?) throws -> String?

    /// Asks the run's supervisor to stop; it records `cancelled` itself
    /// when it can (`Stopper` records it otherwise).
    func requestStop(_ record: RunRecord) throws

    /// Whether the run's supervisor lives (locally: its lock; remotely: the
    /// engine's queue, one listing for all runs, cached).
    func liveness(of record: RunRecord) -> Liveness
}

/// What a local supervisor is handed at its start: the run's lock, already
/// taken, and the signal that the worktree is in place.
public struct LocalStart {
    public var lock: FileLock
    public var signal: StartSignal?

    public init(lock: FileLock, signal: StartSignal?) {
        self.lock = lock
        self.signal = signal
    }
}

public enum Executors {
    /// The executor of a kind, for this repository.
    public static func executor(_ kind: ExecutorKind, repository: KanbotsRepository) throws -> any RunExecutor {
        switch kind {
        case .local: LocalExecutor(repository)
        case .slurm: SlurmExecutor(repository)
        case .kubernetes: KubernetesExecutor(repository)
        }
    }

    /// The executor that runs `record`.
    public static func executor(for record: RunRecord, repository: KanbotsRepository) throws -> any RunExecutor {
        try executor(record.executor, repository: repository)
    }
}

/// Today's behaviour: a detached `kanbots-supervisor run` on this machine.
public struct LocalExecutor: RunExecutor {
    let repository: KanbotsRepository

    public init(_ repository: KanbotsRepository) { self.repository = repository }

    public var kind: ExecutorKind { .local }

    public func checkAvailable() throws { try DetachedProcess.requireProgram() }

    public func submit(_ record: RunRecord, start: LocalStart?) throws -> String? {
        guard let start else { throw KanbotsError.invalidArgument("a local run is started holding its lock") }
        try SupervisorLauncher(repository).start(record.id, holding: start.lock, reattach: false, waitingFor: start.signal)
        return nil
    }

    public func requestStop(_ record: RunRecord) throws {
        if let supervisor = record.supervisorPID { kill(supervisor, SIGTERM) }
    }

    public func liveness(of record: RunRecord) -> Liveness { BoardLoader(repository).liveness(of: record) }
}
