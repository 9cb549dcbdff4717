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
public enum AgentConfinementError: Error, CustomStringConvertible, Equatable, Sendable {
    case badMode(String)
    case bubblewrapMissing
    case unsupportedPlatform

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

    /// The agents whose needs (state folders, helper programs) are known and
    /// tested confined. Others (ACP agents, aider) run unconfined for now:
    /// confined blindly, they lose their own state or cannot find their
    /// program (docs/agents.md, "Confinement").
    public static let confinedAgents: Set<String> = ["claude", "codex", "demo"]

    /// `command` run by bwrap with the run's writable places.
    /// - Parameters:
    ///   - writable: besides the worktree: the git data a commit writes, the
    ///     agent's state folders.
    ///   - readable: folders hidden by the private `/tmp` that the agent must
    ///     still read (the repository, the agent's program), bound read-only.
    func wrap(_ command: AgentCommand, worktree: String, writable: [String], readable: [String]) -> AgentCommand {
        var arguments = ["--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc", "--tmpfs", "/tmp"]
        for folder in readable where FileManager.default.fileExists(atPath: folder) {
            arguments += ["--ro-bind", folder, folder]
        }
        for folder in [worktree] + writable where FileManager.default.fileExists(atPath: folder) {
            arguments += ["--bind", folder, folder]
        }
        // No --new-session or --die-with-parent: the agent stays in the
        // process group the supervisor signals, and outlives a killed
        // supervisor so that `reconcile` can re-attach to it.
        arguments += ["--setenv", "TMPDIR", "/tmp", "--chdir", worktree, "--", command.executable]
        return AgentCommand(executable: bubblewrap, arguments: arguments + command.arguments)
    }

    /// Where each agent keeps its own state (sessions, logins, caches): it
    /// must write there to work and to resume. They are created when
    /// missing, since a sandbox can only open what exists: a Claude whose
    /// `~/.claude` is read-only loses its sessions ("No conversation found
    /// with session ID" on the reply).
    static func stateFolders(agent: String, environment: [String: String]) throws -> [String] {
        let home = environment["HOME"] ?? PathName.home
        let folders: [String]
        var files: [String] = []
        switch agent {
        case "claude":
            folders = [environment["CLAUDE_CONFIG_DIR"] ?? home + "/.claude"]
            files = [home + "/.claude.json"]
        case "codex":
            folders = [environment["CODEX_HOME"] ?? home + "/.codex"]
        default:
            folders = []
        }
        let manager = FileManager.default
        for folder in folders where !manager.fileExists(atPath: folder) {
            try manager.createDirectory(atPath: folder, withIntermediateDirectories: true)
        }
        for file in files where !manager.fileExists(atPath: file) {
            _ = manager.createFile(atPath: file, contents: Data("{}\n".utf8))
        }
        return folders + files
    }
}
