import KanbotsCore
import KanbotsSystem
import KanbotsStore

/// What each agent must read and write inside the sandbox (docs/agents.md,
/// "Confinement").
extension AgentConfinement {
    /// Where an agent keeps its own state (sessions, logins, caches): it must
    /// write there to work and to resume.
    struct StateFolders: Equatable {
        var folders: [String] = []
        /// Files (a sandbox opens a file for writing only if it exists, and
        /// these are replaced by a rename, so they are bound as they are).
        var files: [String] = []
    }

    /// Claude Code's state, for `claude` and the ACP adapters that drive it.
    static func claudeState(home: String, environment: [String: String]) -> StateFolders {
        StateFolders(folders: [environment["CLAUDE_CONFIG_DIR"] ?? home + "/.claude"], files: [home + "/.claude.json"])
    }

    /// ACP agents known by their program's name, and where they keep their
    /// state; any other one gets what `kanbots.agent.NAME.writable` names.
    static func knownACPState(program: String, home: String, environment: [String: String]) -> StateFolders {
        switch program {
        case "claude-code-acp", "claude-agent-acp": claudeState(home: home, environment: environment)
        case "gemini": StateFolders(folders: [home + "/.gemini"])
        default: StateFolders()
        }
    }

    /// The state each agent writes, created when missing, since a sandbox
    /// can only open what exists: a Claude whose `~/.claude` is read-only
    /// loses its sessions ("No conversation found with session ID" on the
    /// reply). Then the folders `kanbots.agent.NAME.writable` adds.
    static func stateFolders(agent: String, program: String, settings: Settings,
                             environment: [String: String]) throws -> [String] {
        let home = homeFolder(environment)
        var state = StateFolders()
        switch agent {
        case "claude": state = claudeState(home: home, environment: environment)
        case "codex": state.folders = [environment["CODEX_HOME"] ?? home + "/.codex"]
        // Caches, analytics, install id; its chat histories go to /dev/null
        // and its repo files (`.aider*`) to the worktree.
        case "aider": state.folders = [home + "/.aider"]
        case "demo": break
        default:
            for name in Set([PathName.lastComponent(of: program), PathName.lastComponent(of: resolvedPath(program))]) {
                let known = knownACPState(program: name, home: home, environment: environment)
                state.folders += known.folders
                state.files += known.files
            }
        }
        state.folders += try configuredWritable(agent: agent, settings: settings, home: home)
        let manager = FileManager.default
        for folder in state.folders where !manager.fileExists(atPath: folder) {
            do {
                try manager.createDirectory(atPath: folder, withIntermediateDirectories: true)
            } catch {
                throw KanbotsError.io("cannot create \(folder), which agent \(agent) writes to: \(error)")
            }
        }
        for file in state.files where !manager.fileExists(atPath: file) {
            _ = manager.createFile(atPath: file, contents: Data("{}\n".utf8))
        }
        return state.folders + state.files
    }

    /// `kanbots.agent.NAME.writable` (multi-valued): more folders the agent
    /// may write, absolute or under `~/`.
    static func configuredWritable(agent: String, settings: Settings, home: String) throws -> [String] {
        let key = "kanbots.agent.\(agent).writable"
        return try settings.strings(key).map { value in
            if value.hasPrefix("/") { return value }
            if value == "~" || value.hasPrefix("~/") { return home + value.dropFirst() }
            throw AgentConfinementError.relativeWritable(key: key, value: value)
        }
    }

    /// Checked at dispatch, so a bad setting is an error then, not a failed
    /// run later: the sandbox mode, and the agent's extra writable folders.
    public static func validate(agent: String, settings: Settings) throws {
        guard try configured(settings: settings) != nil else { return }
        _ = try configuredWritable(agent: agent, settings: settings, home: homeFolder(ProcessInfo.processInfo.environment))
    }

    /// What the agent must read that the private `/tmp` would hide, chosen
    /// by rule rather than by name: its program's install folder (as named
    /// and as its symlinks resolve; the folder above `bin/` or node's
    /// `.bin/`, so a venv's `lib/` or a node package comes with it), the
    /// files and folders its arguments name (`--config /x`, `--opt=/x`), and
    /// the folders on `PATH` (`#!/usr/bin/env node` looks there).
    ///
    /// Why not keep the real `/tmp` visible, read-only, with a private
    /// `TMPDIR`: programs that write to `/tmp` by its name would fail, and
    /// `/tmp` holds other users' and programs' sockets (an ssh-agent's
    /// `/tmp/ssh-*/agent.*`) that a read-only bind still lets a program
    /// connect to: an agent could push with the user's keys.
    static func readableFolders(for command: AgentCommand, environment: [String: String]) -> [String] {
        var folders: [String] = []
        // Never a masked folder itself: binding all of /tmp would undo the private one.
        func container(of path: String) -> String {
            let folder = PathName.parent(of: path)
            return maskedFolders.contains(folder) ? path : folder
        }
        for path in [command.executable, resolvedPath(command.executable)] {
            let folder = container(of: path)
            folders.append(["bin", ".bin"].contains(PathName.lastComponent(of: folder)) ? PathName.parent(of: folder) : folder)
        }
        // A prompt is an argument too, but spans lines; a path does not.
        for argument in command.arguments where !argument.contains("\n") {
            let value = argument.hasPrefix("-") ? String(argument.drop { $0 != "=" }.dropFirst()) : argument
            guard value.hasPrefix("/") else { continue }
            var info = stat()
            guard stat(value, &info) == 0 else { continue }
            folders.append((info.st_mode & S_IFMT) == S_IFDIR ? value : container(of: value))
        }
        folders += (environment["PATH"] ?? "").split(separator: ":").map(String.init).filter { $0.hasPrefix("/") }
        return folders
    }

    /// The agent's home: its environment's `HOME`, else ours.
    static func homeFolder(_ environment: [String: String]) -> String {
        environment["HOME"] ?? PathName.home
    }

    /// `path` with its symlinks resolved; `path` itself when it cannot be.
    static func resolvedPath(_ path: String) -> String {
        guard let resolved = realpath(path, nil) else { return path }
        defer { free(resolved) }
        return String(cString: resolved)
    }
}
