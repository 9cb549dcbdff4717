import KanbotsCore
import KanbotsSystem

/// The services of one run (`kanbots.service.NAME.*`): each started after
/// the setup in its own process group, alive while the agent works and
/// while its checks run, ended (SIGTERM, then SIGKILL) when the run ends.
/// Their output goes to `service-NAME.log` in the run's folder, attached to
/// the record at the end.
public final class RunServices {
    let services: [EnvironmentSettings.Service]
    let worktree: String
    let environment: [String: String]
    let runDirectory: String
    /// Process group leaders by service name, while they run.
    private(set) var running: [String: pid_t] = [:]
    /// Seconds between SIGTERM and SIGKILL.
    public var gracePeriod: TimeInterval = 3

    /// - Parameter environment: the run's variables, marked for the run
    ///   (`RunVariables.marked(for:)`), over the supervisor's own.
    public init(_ services: [EnvironmentSettings.Service], worktree: String, environment: [String: String],
                runDirectory: String) {
        self.services = services
        self.worktree = worktree
        self.environment = environment
        self.runDirectory = runDirectory
    }

    public var isEmpty: Bool { services.isEmpty }

    /// Why a run could not have its services.
    public enum StartFailure: Error, Equatable {
        /// Its `.ready` command did not succeed within `.ready-timeout`
        /// (or the service exited first).
        case notReady(String)
        /// A stop request came while waiting.
        case stopped
    }

    /// Starts every service, then waits for each one's `.ready` command to
    /// succeed; a service without `.ready` counts as ready once started.
    public func start(shouldStop: () -> Bool) throws(StartFailure) {
        for service in services {
            var spec = ProcessSpec(executable: "/bin/sh", arguments: ["-c", service.command],
                                   environment: environment)
            spec.standardOutput = .appending(rawLogPath(service.name))
            spec.standardError = .appending(rawLogPath(service.name))
            spec.newProcessGroup = true
            spec.workingDirectory = worktree
            guard let pid = try? ProcessLauncher.spawn(spec) else { throw .notReady(service.name) }
            running[service.name] = pid
        }
        for service in services {
            guard let ready = service.ready else { continue }
            let deadline = Date().addingTimeInterval(service.readyTimeout)
            while !succeeds(ready) {
                if shouldStop() { throw .stopped }
                // A service that died will never be ready: say so now, not at the timeout.
                guard Date() < deadline, let pid = running[service.name], ExitStatus.poll(pid) == nil else {
                    throw .notReady(service.name)
                }
                sleepThread(seconds: 0.2)
            }
        }
    }

    /// Services that ended since the last call, with how (`exited 1`,
    /// `killed by signal 9`): the run goes on without them.
    public func takeExited() -> [(name: String, status: String)] {
        var exited: [(String, String)] = []
        for (name, pid) in running.sorted(by: { $0.key < $1.key }) {
            guard let status = ExitStatus.poll(pid) else { continue }
            running[name] = nil
            kill(-pid, SIGKILL)  // whatever it left behind in its group
            switch status {
            case .exited(let code): exited.append((name, "exited \(code)"))
            case .signaled(let signal): exited.append((name, "killed by signal \(signal)"))
            }
        }
        return exited
    }

    /// Ends every service still running: SIGTERM to each group, SIGKILL
    /// after the grace period. Then writes each log's redacted tail; the
    /// result maps attachment names (`service-NAME.log`) to those files.
    @discardableResult
    public func stopAll() -> [String: String] {
        for pid in running.values { kill(-pid, SIGTERM) }
        let deadline = Date().addingTimeInterval(gracePeriod)
        var waiting = Set(running.values)
        while !waiting.isEmpty, Date() < deadline {
            waiting = waiting.filter { ExitStatus.poll($0) == nil }
            if !waiting.isEmpty { sleepThread(seconds: 0.05) }
        }
        // The group too: a leader that ended may leave children (a database's workers).
        for pid in running.values { kill(-pid, SIGKILL) }
        for pid in waiting { _ = ExitStatus.wait(pid) }
        running = [:]
        var logs: [String: String] = [:]
        for service in services {
            let raw = rawLogPath(service.name)
            guard FileManager.default.fileExists(atPath: raw) else { continue }
            let kept = runDirectory + "/" + RunRecord.serviceLogFile(service.name)
            RecordedCommands.writeRedactedTail(of: raw, to: kept, limit: RecordedCommands.keptLogBytes)
            unlink(raw)
            logs[RunRecord.serviceLogFile(service.name)] = kept
        }
        return logs
    }

    private func rawLogPath(_ name: String) -> String { runDirectory + "/service-\(name).raw.log" }

    /// Runs a `.ready` command to its end (briefly: it is polled).
    private func succeeds(_ command: String) -> Bool {
        var spec = ProcessSpec(executable: "/bin/sh", arguments: ["-c", command], environment: environment)
        spec.workingDirectory = worktree
        spec.newProcessGroup = true
        guard let pid = try? ProcessLauncher.spawn(spec) else { return false }
        let deadline = Date().addingTimeInterval(10)
        while true {
            if let status = ExitStatus.poll(pid) {
                kill(-pid, SIGKILL)
                return status == .exited(0)
            }
            if Date() > deadline {
                kill(-pid, SIGKILL)
                _ = ExitStatus.wait(pid)
                return false
            }
            sleepThread(seconds: 0.02)
        }
    }
}
