import KanbotsCore
import KanbotsStore
import KanbotsSystem

/// `kanbots.sandbox`: whether agents run inside bubblewrap.
public enum SandboxMode: String, Sendable, CaseIterable {
    /// Confined when `bwrap` is found (Linux only); the default.
    case auto
    /// Always confined: dispatch refuses when `bwrap` is missing.
    case on
    case off

    public static let configKey = "kanbots.sandbox"
}

/// Why an agent cannot be confined as configured; one line, with the fix.
public enum AgentConfinementError: ExplainedError, Equatable, Sendable {
    case badMode(String)
    case bubblewrapMissing
    case unsupportedPlatform
    case relativeWritable(key: String, value: String)

    public var description: String {
        switch self {
        case .badMode(let value):
            "`\(SandboxMode.configKey)` is '\(value)'; use auto, on or off (`git config \(SandboxMode.configKey) auto`)"
        case .bubblewrapMissing:
            "`\(SandboxMode.configKey)` is on but bwrap (bubblewrap) is not on PATH; install it "
                + "(`apt-get install bubblewrap`) or `git config \(SandboxMode.configKey) off`"
        case .unsupportedPlatform:
            "`\(SandboxMode.configKey)` is on, but confinement uses bubblewrap, which only exists on Linux; "
                + "`git config \(SandboxMode.configKey) off` (or auto)"
        case .relativeWritable(let key, let value):
            "`\(key)` is '\(value)', a relative path; name an absolute folder or one under ~/ "
                + "(`git config --unset-all \(key)`, then `git config --add \(key) ~/.local/share/agent`)"
        }
    }
}

/// Runs an agent inside bubblewrap: the whole filesystem read-only, except
/// the run's worktree, the git data a commit on its own branch writes
/// (`CommitAccess`), the agent's own state folders and a private `/tmp`.
/// The network is left alone (agents need their model APIs). Other runs'
/// worktrees and the main checkout stay visible, read-only.
public struct AgentConfinement: Sendable {
    /// The `bwrap` program.
    public var bubblewrap: String

    /// The confinement for this repository's settings: nil when agents run
    /// unconfined (off, or auto without bwrap, or macOS). Called at dispatch,
    /// so `on` without bwrap is an error then, not a failed run later.
    public static func configured(settings: Settings, path: String? = ProcessInfo.processInfo.environment["PATH"]) throws -> AgentConfinement? {
        let value = settings.string(SandboxMode.configKey) ?? SandboxMode.auto.rawValue
        guard let mode = SandboxMode(rawValue: value.lowercased()) else { throw AgentConfinementError.badMode(value) }
        #if os(Linux)
        let found = ProcessLauncher.locate("bwrap", path: path)
        switch mode {
        case .off: return nil
        case .auto: return found.map(AgentConfinement.init(bubblewrap:))
        case .on:
            guard let found else { throw AgentConfinementError.bubblewrapMissing }
            return AgentConfinement(bubblewrap: found)
        }
        #else
        if mode == .on { throw AgentConfinementError.unsupportedPlatform }
        return nil
        #endif
    }

    /// Folders the sandbox replaces: the private `/tmp`, and `/dev/shm`,
    /// which the fresh `/dev` leaves empty. What the agent must still read
    /// there (`readable`) is bound again, read-only; elsewhere it is visible.
    static let maskedFolders = ["/tmp", "/dev/shm"]

    /// `command` run by bwrap with the run's writable places.
    /// - Parameters:
    ///   - writable: besides the worktree: the git data a commit writes, the
    ///     agent's state folders.
    ///   - readable: what the agent must read (the repository, `HOME`, its
    ///     program's install folder, files its arguments name); bound
    ///     read-only where the private `/tmp` would hide it.
    func wrap(_ command: AgentCommand, worktree: String, writable: [String], readable: [String]) -> AgentCommand {
        var arguments = ["--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc", "--tmpfs", "/tmp"]
        let hidden = readable.filter { path in Self.maskedFolders.contains { path.hasPrefix($0 + "/") } }
        for folder in Self.outermost(hidden) where FileManager.default.fileExists(atPath: folder) {
            arguments += ["--ro-bind", folder, folder]
        }
        for folder in [worktree] + writable where FileManager.default.fileExists(atPath: folder) {
            arguments += ["--bind", folder, folder]
        }
        // No --new-session, and no --die-with-parent for an agent the
        // supervisor starts itself: the agent stays in the process group the
        // supervisor signals, and outlives a killed supervisor so that
        // `reconcile` can re-attach to it. An agent behind our client
        // (acp-client, aider-client) cannot go on without it, so it ends
        // with its client (a signal to bwrap alone is not passed on).
        if !command.client.isEmpty { arguments.append("--die-with-parent") }
        arguments += ["--setenv", "TMPDIR", "/tmp", "--chdir", worktree, "--", command.executable]
        return AgentCommand(executable: bubblewrap, arguments: arguments + command.arguments, client: command.client)
    }

    /// `paths` without duplicates and without those inside another one.
    static func outermost(_ paths: [String]) -> [String] {
        let unique = Array(Set(paths)).sorted()
        return unique.filter { path in !unique.contains { path != $0 && path.hasPrefix($0.hasSuffix("/") ? $0 : $0 + "/") } }
    }
}
