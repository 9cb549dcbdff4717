import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What a finished command did.
struct CommandResult: CustomStringConvertible, Sendable {
    var command: [String]
    var directory: String
    /// The exit status, or the signal number when `signaled`.
    var status: Int32
    var signaled: Bool
    var stdout: String
    var stderr: String
    var duration: TimeInterval

    var succeeded: Bool { !signaled && status == 0 }
    /// stdout without the final newline(s).
    var output: String { stdout.trimmingCharacters(in: .newlines) }
    var stdoutLines: [String] { stdout.split(separator: "\n").map(String.init) }
    /// Non-empty stderr lines.
    var stderrLines: [String] {
        stderr.split(separator: "\n").map(String.init).filter { !$0.trimmingCharacters(in: .whitespaces).isEmpty }
    }

    var description: String {
        let how = signaled ? "was killed by signal \(status)" : "exited \(status)"
        return "`\(command.joined(separator: " "))` in \(directory) \(how) after "
            + String(format: "%.2fs", duration) + "\n--- stdout\n\(stdout)--- stderr\n\(stderr)---"
    }
}

/// A child process started by a test, with posix_spawn: stdout and stderr go
/// to files, every other descriptor of ours is closed in the child, and the
/// end is seen with `waitpid`, so nothing a detached grandchild inherits or
/// keeps open (a supervisor outlives `dispatch`) can keep a test waiting.
final class RunningProcess: @unchecked Sendable {
    let command: [String]
    let directory: String
    let pid: pid_t
    let started = Date()
    private let stdoutPath: String
    private let stderrPath: String
    private let lock = NSLock()
    private var waitStatus: Int32?
    private var result: CommandResult?

    init(executable: String, arguments: [String], directory: String, environment: [String: String],
         ioDirectory: String) throws {
        command = [(executable as NSString).lastPathComponent] + arguments
        self.directory = directory
        let stem = ioDirectory + "/" + UUID().uuidString
        stdoutPath = stem + ".out"
        stderrPath = stem + ".err"
        let out = open(stdoutPath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        let err = open(stderrPath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        let null = open("/dev/null", O_RDONLY | O_CLOEXEC)
        defer { [out, err, null].filter { $0 >= 0 }.forEach { close($0) } }
        guard out >= 0, err >= 0, null >= 0 else { throw TestFailure("cannot open output files in \(ioDirectory)") }

        #if canImport(Darwin)
        var actions: posix_spawn_file_actions_t?
        var attributes: posix_spawnattr_t?
        #else
        var actions = posix_spawn_file_actions_t()
        var attributes = posix_spawnattr_t()
        #endif
        posix_spawn_file_actions_init(&actions)
        posix_spawnattr_init(&attributes)
        defer {
            posix_spawn_file_actions_destroy(&actions)
            posix_spawnattr_destroy(&attributes)
        }
        posix_spawn_file_actions_adddup2(&actions, null, 0)
        posix_spawn_file_actions_adddup2(&actions, out, 1)
        posix_spawn_file_actions_adddup2(&actions, err, 2)
        guard Spawn.addChdir(&actions, directory) == 0 else { throw TestFailure("cannot chdir to \(directory) in spawn") }
        var flags = Int32(POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK)
        #if canImport(Darwin)
        flags |= Int32(POSIX_SPAWN_CLOEXEC_DEFAULT)
        #else
        for fd in Spawn.openDescriptors() where fd > 2 { posix_spawn_file_actions_addclose(&actions, fd) }
        #endif
        posix_spawnattr_setflags(&attributes, Int16(flags))
        var all = sigset_t(), none = sigset_t()
        sigfillset(&all)
        sigdelset(&all, SIGKILL)
        sigdelset(&all, SIGSTOP)
        sigemptyset(&none)
        posix_spawnattr_setsigdefault(&attributes, &all)
        posix_spawnattr_setsigmask(&attributes, &none)

        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { (argv + envp).forEach { free($0) } }
        var pid: pid_t = 0
        let code = posix_spawn(&pid, executable, &actions, &attributes, argv, envp)
        guard code == 0 else {
            throw TestFailure("cannot start \(command.joined(separator: " ")): \(String(cString: strerror(code)))")
        }
        self.pid = pid
    }

    func signal(_ number: Int32) {
        if isRunning { _ = kill(pid, number) }
    }

    /// Reaps the child if it has ended; true while it runs.
    var isRunning: Bool {
        lock.lock()
        defer { lock.unlock() }
        if waitStatus != nil { return false }
        var status: Int32 = 0
        let reaped = waitpid(pid, &status, WNOHANG)
        if reaped == pid { waitStatus = status }
        return reaped == 0
    }

    /// Waits for the process; a process still running after `timeout` is
    /// killed and the wait throws, so a hang fails the test instead of CI.
    @discardableResult
    func wait(timeout: TimeInterval = 60) throws -> CommandResult {
        if let result { return result }
        var pause = 0.001
        let deadline = Date().addingTimeInterval(timeout)
        while isRunning {
            if Date() > deadline {
                _ = kill(pid, SIGKILL)
                _ = ProcessProbe.waitUntil(timeout: 10) { !isRunning }
                throw TestFailure("timed out after \(Int(timeout))s, killed: \(collect())")
            }
            Thread.sleep(forTimeInterval: pause)
            pause = min(pause * 1.5, 0.02)
        }
        let result = collect()
        self.result = result
        return result
    }

    /// What the process printed on stdout so far (it may still be running).
    var stdoutSoFar: String {
        String(decoding: FileManager.default.contents(atPath: stdoutPath) ?? Data(), as: UTF8.self)
    }

    var stderrSoFar: String {
        String(decoding: FileManager.default.contents(atPath: stderrPath) ?? Data(), as: UTF8.self)
    }

    private func collect() -> CommandResult {
        let read = { (path: String) in
            String(decoding: FileManager.default.contents(atPath: path) ?? Data(), as: UTF8.self)
        }
        let status = lock.withLock { waitStatus }
        let signaled = status.map { $0 & 0x7f != 0 } ?? false
        let result = CommandResult(
            command: command, directory: directory,
            status: status.map { signaled ? $0 & 0x7f : ($0 >> 8) & 0xff } ?? -1, signaled: signaled,
            stdout: read(stdoutPath), stderr: read(stderrPath), duration: Date().timeIntervalSince(started))
        if status != nil {
            try? FileManager.default.removeItem(atPath: stdoutPath)
            try? FileManager.default.removeItem(atPath: stderrPath)
        }
        return result
    }
}

private enum Spawn {
    #if canImport(Darwin)
    static func addChdir(_ actions: inout posix_spawn_file_actions_t?, _ path: String) -> Int32 {
        posix_spawn_file_actions_addchdir_np(&actions, path)
    }
    #else
    private typealias AddChdir = @convention(c) (
        UnsafeMutablePointer<posix_spawn_file_actions_t>, UnsafePointer<CChar>) -> Int32
    /// glibc has it since 2.29, but Swift's Glibc module does not export it.
    private static let addChdirFunction: AddChdir? =
        dlsym(nil, "posix_spawn_file_actions_addchdir_np").map { unsafeBitCast($0, to: AddChdir.self) }

    static func addChdir(_ actions: inout posix_spawn_file_actions_t, _ path: String) -> Int32 {
        guard let function = addChdirFunction else { return ENOSYS }
        return function(&actions, path)
    }

    /// Our open descriptors, so the child can close them.
    static func openDescriptors() -> [Int32] {
        ((try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []).compactMap { Int32($0) }
    }
    #endif
}

/// Looks at processes we did not start ourselves (supervisors, agents).
enum ProcessProbe {
    /// Whether `pid` is a live process (a zombie counts as dead: it holds no
    /// locks and runs no code).
    static func isAlive(_ pid: Int32) -> Bool {
        guard pid > 1, kill(pid, 0) == 0 || errno == EPERM else { return false }
        #if os(Linux)
        return state(pid).map { $0 != "Z" && $0 != "X" } ?? false
        #else
        return true
        #endif
    }

    /// Whether any live process is in process group `pgid`.
    static func isGroupAlive(_ pgid: Int32) -> Bool {
        guard pgid > 1 else { return false }
        #if os(Linux)
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap { Int32($0) }.contains { pid in
            guard let fields = statFields(pid), fields.count > 2 else { return false }
            return fields[2] == String(pgid) && fields[0] != "Z" && fields[0] != "X"
        }
        #else
        return kill(-pgid, 0) == 0 || errno == EPERM
        #endif
    }

    /// The command line of `pid`, joined with spaces (Linux only; nil elsewhere).
    static func commandLine(_ pid: Int32) -> String? {
        #if os(Linux)
        guard let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") else { return nil }
        return String(decoding: data.map { $0 == 0 ? 32 : $0 }, as: UTF8.self)
        #else
        return nil
        #endif
    }

    /// Polls `condition` until it holds or `timeout` passes.
    @discardableResult
    static func waitUntil(timeout: TimeInterval, interval: TimeInterval = 0.02, _ condition: () throws -> Bool) rethrows -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            if try condition() { return true }
            if Date() > deadline { return false }
            Thread.sleep(forTimeInterval: interval)
        }
    }

    #if os(Linux)
    /// Fields of /proc/PID/stat after the command name: state, ppid, pgrp, ...
    private static func statFields(_ pid: Int32) -> [String]? {
        guard let data = FileManager.default.contents(atPath: "/proc/\(pid)/stat") else { return nil }
        let text = String(decoding: data, as: UTF8.self)
        guard let close = text.lastIndex(of: ")") else { return nil }
        return text[text.index(after: close)...].split(separator: " ").map(String.init)
    }

    private static func state(_ pid: Int32) -> String? { statFields(pid)?.first }
    #endif
}
