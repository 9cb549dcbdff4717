import KanbotsCore
import KanbotsStore
import KanbotsSystem

/// Starts `git-kanbots pool refill` detached, once a run's agent has started,
/// so the pool is ready for the next dispatch; nothing waits for it.
public struct PoolRefiller {
    let repository: KanbotsRepository

    public init(_ repository: KanbotsRepository) { self.repository = repository }

    /// - Parameter run: the run whose agent was just started: the refill
    ///   waits for its first output before checking files out.
    public func start(after run: RunID? = nil) {
        var environment = ProcessInfo.processInfo.environment
        for key in ["GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_PREFIX", "KANBOTS_LOCK_FD", "KANBOTS_START_FD"] {
            environment[key] = nil
        }
        var spec = ProcessSpec(
            executable: ProcessLauncher.kanbotsExecutable,
            arguments: ["pool", "refill", "--repository", repository.workingDirectory]
                + (run.map { ["--after-run", $0.description] } ?? []),
            environment: environment)
        let log = repository.stateDirectory + "/pool/refill.log"
        try? FileManager.default.createDirectory(
            atPath: repository.stateDirectory + "/pool", withIntermediateDirectories: true)
        spec.standardOutput = .appending(log)
        spec.standardError = .appending(log)
        spec.newProcessGroup = true
        spec.workingDirectory = repository.workingDirectory
        // A failure to start only costs the next dispatch its head start.
        _ = try? ProcessLauncher.spawn(spec)
    }
}
