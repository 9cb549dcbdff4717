/// Where a child's standard stream goes.
public enum StreamTarget: Sendable {
    case null
    /// A file opened for appending (created if missing).
    case appending(String)
    /// A descriptor of ours.
    case descriptor(Int32)
}

/// A process to start: a small value, like swift-subprocess's configuration.
public struct ProcessSpec: Sendable {
    public var executable: String
    public var arguments: [String]
    public var environment: [String: String]
    public var standardInput: StreamTarget = .null
    public var standardOutput: StreamTarget = .null
    public var standardError: StreamTarget = .null
    /// Puts the child in a new process group it leads, so one signal to the
    /// group reaches everything the agent spawned.
    public var newProcessGroup = false
    /// Descriptors the child inherits, as child fd → our fd.
    public var inherited: [Int32: Int32] = [:]
    /// The child's working directory; nil keeps ours. Set per child, so no
    /// thread of ours ever has to `chdir` (the working directory is process-wide).
    public var workingDirectory: String?

    public init(executable: String, arguments: [String], environment: [String: String]) {
        self.executable = executable
        self.arguments = arguments
        self.environment = environment
    }
}

public struct SpawnError: Error, CustomStringConvertible {
    public let executable: String
    public let code: Int32
    public var description: String { "cannot start \(executable): \(String(cString: strerror(code)))" }
}

public enum ProcessLauncher {
    /// Starts the process and returns its pid without waiting.
    public static func spawn(_ spec: ProcessSpec) throws -> pid_t {
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
        var opened: [Int32] = []
        defer { opened.forEach { close($0) } }
        for (child, target) in [(Int32(0), spec.standardInput), (1, spec.standardOutput), (2, spec.standardError)] {
            switch target {
            case .null:
                posix_spawn_file_actions_addopen(&actions, child, "/dev/null", child == 0 ? O_RDONLY : O_WRONLY, 0)
            case .appending(let path):
                let fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
                guard fd >= 0 else { throw SpawnError(executable: path, code: errno) }
                opened.append(fd)
                posix_spawn_file_actions_adddup2(&actions, fd, child)
            case .descriptor(let fd):
                posix_spawn_file_actions_adddup2(&actions, fd, child)
            }
        }
        for (child, ours) in spec.inherited { posix_spawn_file_actions_adddup2(&actions, ours, child) }
        if let directory = spec.workingDirectory {
            guard access(directory, X_OK) == 0 else { throw SpawnError(executable: directory, code: errno) }
            posix_spawn_file_actions_addchdir(&actions, directory)
        }
        // Nothing else our caller had open may leak into a long-lived child: a
        // pipe held by a detached supervisor would keep `dispatch | cat` waiting.
        let firstOther = 3 + Int32(spec.inherited.keys.filter { $0 >= 3 }.count)
        #if os(Linux)
        _ = posix_spawn_file_actions_addclosefrom(&actions, firstOther)
        #endif

        // The child starts with default signal handling and nothing blocked,
        // whatever the supervisor did to its own signals.
        var flags = Int16(POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK)
        #if canImport(Darwin)
        flags |= Int16(POSIX_SPAWN_CLOEXEC_DEFAULT)
        #endif
        if spec.newProcessGroup {
            flags |= Int16(POSIX_SPAWN_SETPGROUP)
            posix_spawnattr_setpgroup(&attributes, 0)
        }
        posix_spawnattr_setflags(&attributes, flags)
        var all = sigset_t(), none = sigset_t()
        sigfillset(&all)
        sigemptyset(&none)
        sigdelset(&all, SIGKILL)
        sigdelset(&all, SIGSTOP)
        posix_spawnattr_setsigdefault(&attributes, &all)
        posix_spawnattr_setsigmask(&attributes, &none)

        let argv = ([spec.executable] + spec.arguments).map { strdup($0) } + [nil]
        let envp = spec.environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
        }
        var pid: pid_t = 0
        let result = posix_spawn(&pid, spec.executable, &actions, &attributes, argv, envp)
        guard result == 0 else { throw SpawnError(executable: spec.executable, code: result) }
        return pid
    }

    /// The absolute path of `name` on PATH, or nil. A name with a slash is
    /// taken as a path and only checked for being executable.
    public static func locate(_ name: String, path: String? = ProcessInfo.processInfo.environment["PATH"]) -> String? {
        if name.contains("/") { return access(name, X_OK) == 0 ? name : nil }
        for folder in (path ?? "/usr/bin:/bin").split(separator: ":") {
            let candidate = "\(folder)/\(name)"
            var info = stat()
            if access(candidate, X_OK) == 0, stat(candidate, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG {
                return candidate
            }
        }
        return nil
    }

    /// The `git-kanbots` command line, which agents call back into (the demo
    /// agent, `mcp`, `acp-client`, `aider-client`): this very executable, or
    /// the one installed next to it when a lean process asks.
    public static var kanbotsExecutable: String { sibling(named: "git-kanbots") }

    /// `kanbots-supervisor`, the lean executable of the long-lived processes
    /// (supervisors and autopilot orchestrators), installed next to `git-kanbots`.
    public static var supervisorExecutable: String { sibling(named: "kanbots-supervisor") }

    /// The executable `name` in this executable's folder (itself if that is its name).
    static func sibling(named name: String) -> String {
        let current = currentExecutable
        guard let slash = current.lastIndex(of: "/") else { return name }
        return String(current[...slash]) + name
    }

    /// The running executable, whatever PATH says.
    public static var currentExecutable: String {
        #if os(Linux)
        if let path = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") { return path }
        #elseif canImport(Darwin)
        var size = UInt32(4096)
        var buffer = [CChar](repeating: 0, count: Int(size))
        if _NSGetExecutablePath(&buffer, &size) == 0 { return String(cString: buffer) }
        #endif
        return CommandLine.arguments[0]
    }
}

/// How a child process ended.
public enum ExitStatus: Equatable, Sendable {
    case exited(Int32)
    case signaled(Int32)

    init(waitStatus status: Int32) {
        if status & 0x7f == 0 {
            self = .exited((status >> 8) & 0xff)
        } else {
            self = .signaled(status & 0x7f)
        }
    }

    /// Waits without blocking; nil while the child still runs.
    public static func poll(_ pid: pid_t) -> ExitStatus? {
        var status: Int32 = 0
        let result = waitpid(pid, &status, WNOHANG)
        guard result == pid else { return nil }
        return ExitStatus(waitStatus: status)
    }

    public static func wait(_ pid: pid_t) -> ExitStatus {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        return ExitStatus(waitStatus: status)
    }
}

#if os(Linux)
/// glibc 2.29+, hidden behind _GNU_SOURCE like the one below.
@_silgen_name("posix_spawn_file_actions_addchdir_np")
@discardableResult
private func posix_spawn_file_actions_addchdir(
    _ actions: UnsafeMutablePointer<posix_spawn_file_actions_t>, _ path: UnsafePointer<CChar>) -> Int32
#elseif canImport(Darwin)
@discardableResult
private func posix_spawn_file_actions_addchdir(
    _ actions: UnsafeMutablePointer<posix_spawn_file_actions_t?>, _ path: UnsafePointer<CChar>) -> Int32 {
    posix_spawn_file_actions_addchdir_np(actions, path)
}
#endif

#if os(Linux)
/// glibc 2.34+ (`posix_spawn_file_actions_addclosefrom_np`); its header hides
/// it behind _GNU_SOURCE, which Swift's Glibc module does not define.
@_silgen_name("posix_spawn_file_actions_addclosefrom_np")
private func posix_spawn_file_actions_addclosefrom(
    _ actions: UnsafeMutablePointer<posix_spawn_file_actions_t>, _ from: Int32) -> Int32
#endif

/// A one-time "go" from a process to a child it started ahead of time: the
/// child does its own start-up meanwhile, then waits for the word.
///
/// Why: a dispatch starts the run's supervisor before the worktree is in
/// place, so that the supervisor's start (a program to load, a repository
/// to open) overlaps the checkout instead of following it. If the dispatch
/// fails, or dies, first, the child reads the end of the pipe and leaves the
/// run alone.
public final class StartSignal {
    /// The end the child inherits (see `ProcessSpec.inherited`).
    public private(set) var readEnd: Int32
    private var writeEnd: Int32

    public init() throws {
        var ends: [Int32] = [-1, -1]
        guard pipe(&ends) == 0 else { throw SpawnError(executable: "pipe", code: errno) }
        // Neither end may leak into other children (an agent holding the
        // write end would keep the supervisor waiting).
        for end in ends { _ = fcntl(end, F_SETFD, FD_CLOEXEC) }
        (readEnd, writeEnd) = (ends[0], ends[1])
    }

    deinit {
        closeReadEnd()
        if writeEnd >= 0 { close(writeEnd) }
    }

    /// Drops our copy of the child's end, once the child has it.
    public func closeReadEnd() {
        if readEnd >= 0 { close(readEnd) }
        readEnd = -1
    }

    /// Tells the child to go on.
    public func give() {
        guard writeEnd >= 0 else { return }
        var go = UInt8(ascii: "1")
        _ = write(writeEnd, &go, 1)
        close(writeEnd)
        writeEnd = -1
    }

    /// Tells the child to stop: it reads the end of the pipe.
    public func withdraw() {
        if writeEnd >= 0 { close(writeEnd) }
        writeEnd = -1
    }

    /// In the child: waits for the word on `descriptor`, then closes it.
    /// True for "go"; false when every writer closed without it.
    public static func wait(on descriptor: Int32) -> Bool {
        defer { close(descriptor) }
        var byte: UInt8 = 0
        while true {
            let count = read(descriptor, &byte, 1)
            if count < 0, errno == EINTR { continue }
            return count == 1 && byte == UInt8(ascii: "1")
        }
    }
}
