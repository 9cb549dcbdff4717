import Foundation
import KanbotsStore
import KanbotsSupervisor

/// Starts `git-kanbots autopilot run-orchestrator` as a detached process, the
/// way `SupervisorLauncher` starts supervisors: our locked descriptor becomes
/// its fd 3, so the session's lock is never free while it starts.
public struct OrchestratorLauncher {
    let repository: KanbotsRepository

    public init(_ repository: KanbotsRepository) { self.repository = repository }

    public func start(_ id: String, holding lock: FileLock) throws -> Int32 {
        let inheritedFD: Int32 = 3
        let source = lock.descriptor == inheritedFD ? fcntl(lock.descriptor, F_DUPFD_CLOEXEC, 10) : lock.descriptor
        defer { if source != lock.descriptor { close(source) } }
        var environment = ProcessInfo.processInfo.environment
        for key in ["GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_PREFIX"] { environment[key] = nil }
        environment["KANBOTS_LOCK_FD"] = String(inheritedFD)
        var spec = ProcessSpec(
            executable: ProcessLauncher.currentExecutable,
            arguments: ["autopilot", "run-orchestrator", id, "--repository", repository.workingDirectory],
            environment: environment)
        let log = SessionStore(repository).directory(id) + "/orchestrator.log"
        spec.standardOutput = .appending(log)
        spec.standardError = .appending(log)
        spec.inherited = [inheritedFD: source]
        return try ProcessLauncher.spawn(spec)
    }
}
