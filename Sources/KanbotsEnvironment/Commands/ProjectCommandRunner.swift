import KanbotsCore
import KanbotsSystem

/// Runs check commands (`kanbots.check`, a card's checks, `autopilot qa
/// --check`) in a folder: each with `/bin/sh -c`, in its own process group,
/// one after the other, stopping at the first failure. The one place checks
/// are run, for the supervisor, `git kanbots check`, `land --check` and QA.
public struct ProjectCommandRunner {
    public var commands: [String]
    /// Wall-clock limit for all the commands together.
    public var timeout: TimeInterval
    /// Asked while a check runs; true ends it like a timeout would.
    public var shouldStop: () -> Bool = { false }
    /// Seconds between SIGTERM and SIGKILL for a check that must end.
    public var gracePeriod: TimeInterval = 3
    /// Added to each command's environment.
    public var extraEnvironment: [String: String] = [:]
    /// Told each command (its position and the command) as it starts.
    public var onStart: (_ index: Int, _ command: String) -> Void = { _, _ in }

    public init(commands: [String], timeout: TimeInterval) {
        self.commands = commands
        self.timeout = timeout
    }

    /// The default `kanbots.check-timeout`: thirty minutes.
    public static let defaultTimeout: TimeInterval = 30 * 60

    /// Runs the commands in `folder`, appending their output (stdout and
    /// stderr, interleaved as written) to `logPath`.
    public func run(in folder: String, logPath: String, commit: String? = nil) -> ChecksResult {
        let started = Date()
        let deadline = started.addingTimeInterval(timeout)
        var last: Int32? = 0
        for (index, command) in commands.enumerated() {
            onStart(index, command)
            appendLog("$ \(command)\n", to: logPath)
            switch runOne(command, in: folder, logPath: logPath, deadline: deadline) {
            case .exited(0):
                last = 0
                continue
            case .exited(let code):
                return ChecksResult(outcome: .failed, exitCode: code, seconds: Date().timeIntervalSince(started),
                                    failedCommand: command, commit: commit)
            case .signaled(let signal):
                return ChecksResult(outcome: .failed, exitCode: 128 + signal, seconds: Date().timeIntervalSince(started),
                                    failedCommand: command, commit: commit)
            case .notStarted(let why):
                appendLog("git-kanbots: cannot start the check: \(why)\n", to: logPath)
                return ChecksResult(outcome: .failed, exitCode: 127, seconds: Date().timeIntervalSince(started),
                                    failedCommand: command, commit: commit)
            case .ended(let why):
                appendLog("\ngit-kanbots: check \(why)\n", to: logPath)
                return ChecksResult(outcome: .timedOut, exitCode: nil, seconds: Date().timeIntervalSince(started),
                                    failedCommand: command, commit: commit)
            }
        }
        return ChecksResult(outcome: .passed, exitCode: last, seconds: Date().timeIntervalSince(started), commit: commit)
    }

    enum Outcome {
        case exited(Int32)
        case signaled(Int32)
        case notStarted(String)
        /// Timed out or stopped: the whole group was ended.
        case ended(String)
    }

    private func runOne(_ command: String, in folder: String, logPath: String, deadline: Date) -> Outcome {
        let environment = Self.environment().merging(extraEnvironment) { _, extra in extra }
        var spec = ProcessSpec(executable: "/bin/sh", arguments: ["-c", command], environment: environment)
        spec.standardOutput = .appending(logPath)
        spec.standardError = .appending(logPath)
        spec.newProcessGroup = true
        spec.workingDirectory = folder
        let pid: pid_t
        do { pid = try ProcessLauncher.spawn(spec) } catch { return .notStarted("\(error)") }
        while true {
            if let status = ExitStatus.poll(pid) {
                kill(-pid, SIGKILL)  // whatever the check left behind in its group
                switch status {
                case .exited(let code): return .exited(code)
                case .signaled(let signal): return .signaled(signal)
                }
            }
            if shouldStop() { return end(pid, why: "stopped before it finished") }
            if Date() > deadline { return end(pid, why: "timed out after \(Int(timeout.rounded())) s") }
            sleepThread(seconds: 0.05)
        }
    }

    private func end(_ pid: pid_t, why: String) -> Outcome {
        kill(-pid, SIGTERM)
        let grace = Date().addingTimeInterval(gracePeriod)
        while ExitStatus.poll(pid) == nil {
            if Date() > grace {
                kill(-pid, SIGKILL)
                _ = ExitStatus.wait(pid)
                break
            }
            sleepThread(seconds: 0.05)
        }
        kill(-pid, SIGKILL)
        return .ended(why)
    }

    /// Ours, minus what git set for the command that started us: a check
    /// must find the repository of the folder it runs in.
    public static func environment() -> [String: String] {
        var environment = ProcessInfo.processInfo.environment
        for key in ["GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_PREFIX", "GIT_COMMON_DIR", "KANBOTS_LOCK_FD",
                    "KANBOTS_START_FD"] {
            environment[key] = nil
        }
        return environment
    }

    private func appendLog(_ text: String, to path: String) {
        try? OpenFile(path, .appending)?.write(Data(text.utf8))
    }
}
