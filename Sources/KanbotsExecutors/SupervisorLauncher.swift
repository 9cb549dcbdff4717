import KanbotsCore
import KanbotsStore
import KanbotsSystem

/// Starts `kanbots-supervisor run` as a detached process.
public struct SupervisorLauncher {
    let repository: KanbotsRepository

    public init(_ repository: KanbotsRepository) { self.repository = repository }

    /// - Parameter signal: when given, the supervisor starts up, then waits
    ///   for it before it looks at the run's worktree (`StartSignal`).
    public func start(_ id: RunID, holding lock: FileLock, reattach: Bool, waitingFor signal: StartSignal? = nil) throws {
        _ = try DetachedProcess.spawn(
            arguments: ["run", id.description, "--repository", repository.workingDirectory]
                + (reattach ? ["--reattach"] : []),
            log: repository.runDirectory(id) + "/supervisor.log", holding: lock, signal: signal)
    }
}

/// Starts a long-lived process of our own (a supervisor, an autopilot
/// orchestrator) detached from the caller, with the lean executable
/// `kanbots-supervisor`: fifty supervisors must not weigh fifty CLIs.
public enum DetachedProcess {
    /// Hands the child our already-locked descriptor as fd 3
    /// (`KANBOTS_LOCK_FD`), so the lock passes to it without ever being
    /// released, and a start signal's end as fd 4 (`KANBOTS_START_FD`); its
    /// output goes to `log`. Returns its pid.
    public static func spawn(arguments: [String], log: String, holding lock: FileLock,
                             signal: StartSignal? = nil) throws -> Int32 {
        let executable = try requireProgram()
        let inheritedFD: Int32 = 3
        // dup2 onto the same number would keep close-on-exec, and onto fd 4
        // would clobber it before it is copied: move such a descriptor away.
        let source = lock.descriptor == inheritedFD || lock.descriptor == 4
            ? fcntl(lock.descriptor, F_DUPFD_CLOEXEC, 10) : lock.descriptor
        defer { if source != lock.descriptor { close(source) } }
        var environment = ProcessInfo.processInfo.environment
        for key in ["GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_PREFIX"] { environment[key] = nil }
        environment["KANBOTS_LOCK_FD"] = String(inheritedFD)
        var spec = ProcessSpec(executable: executable, arguments: arguments, environment: environment)
        spec.standardOutput = .appending(log)
        spec.standardError = .appending(log)
        spec.inherited = [inheritedFD: source]
        if let signal {
            // As for the lock: an end at 3 or 4 would be overwritten, or keep
            // close-on-exec, so it is moved away first.
            let end = signal.readEnd <= 4 ? fcntl(signal.readEnd, F_DUPFD_CLOEXEC, 10) : signal.readEnd
            spec.inherited[4] = end
            environment["KANBOTS_START_FD"] = "4"
            spec.environment = environment
            defer { if end != signal.readEnd { close(end) } }
            let pid = try ProcessLauncher.spawn(spec)
            signal.closeReadEnd()
            return pid
        }
        return try ProcessLauncher.spawn(spec)
    }
}

extension DetachedProcess {
    /// The path of `kanbots-supervisor`, or the one-line error to reinstall:
    /// checked before a run is claimed, so a missing program leaves no trace.
    @discardableResult
    public static func requireProgram() throws -> String {
        let executable = ProcessLauncher.supervisorExecutable
        guard access(executable, X_OK) == 0 else { throw KanbotsError.supervisorMissing(path: executable) }
        return executable
    }
}
