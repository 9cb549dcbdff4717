import KanbotsCore
import KanbotsExecutors
import KanbotsStore

/// Starts `kanbots-supervisor orchestrate` as a detached process, the
/// way `SupervisorLauncher` starts supervisors: our locked descriptor becomes
/// its fd 3, so the session's lock is never free while it starts.
public struct OrchestratorLauncher {
    let repository: KanbotsRepository

    public init(_ repository: KanbotsRepository) { self.repository = repository }

    public func start(_ id: String, holding lock: FileLock) throws -> Int32 {
        try DetachedProcess.spawn(
            arguments: ["orchestrate", id, "--repository", repository.workingDirectory],
            log: SessionStore(repository).directory(id) + "/orchestrator.log", holding: lock)
    }
}
