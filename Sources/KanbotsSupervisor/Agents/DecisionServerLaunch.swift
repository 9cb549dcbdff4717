import KanbotsCore
import KanbotsStore
import KanbotsSystem

/// How an agent starts `git-kanbots mcp` for its run, the server behind the
/// `ask` tool (docs/decisions.md): Claude Code gets a `--mcp-config` file in
/// the run's folder, Codex gets `-c mcp_servers.kanbots.*` overrides.
public struct DecisionServerLaunch: Sendable {
    public var executable: String
    public var arguments: [String]
    /// Where the `--mcp-config` file is written (`runs/<id>/mcp.json`).
    public var configPath: String

    public init(repository: KanbotsRepository, id: RunID, executable: String = ProcessLauncher.kanbotsExecutable) {
        self.executable = executable
        arguments = ["mcp", "--run", id.description, "--repository", repository.workingDirectory]
        configPath = repository.runDirectory(id) + "/mcp.json"
    }

    /// `{"mcpServers":{"kanbots":{"command":…,"args":[…]}}}`.
    public var configJSON: Data {
        let config = ["mcpServers": [DecisionTools.server: Server(command: executable, args: arguments)]]
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(config)) ?? Data()
    }

    private struct Server: Encodable {
        var command: String
        var args: [String]
        var type = "stdio"
    }

    public func writeConfig() throws {
        guard FileManager.default.createFile(atPath: configPath, contents: configJSON) else {
            throw KanbotsError.io("cannot write \(configPath)")
        }
    }

    /// Codex's per-run configuration: TOML values after `-c`; a generous
    /// tool timeout because a question waits for a human. `codex exec` runs
    /// with approvals off, and then refuses every MCP call that would need
    /// one ("requires approval, but approval policy is never") unless the
    /// server's tools are approved up front: asking is always allowed.
    var codexOverrides: [String] {
        let prefix = "mcp_servers.\(DecisionTools.server)."
        return [
            "-c", prefix + "command=" + Self.tomlString(executable),
            "-c", prefix + "args=[" + arguments.map(Self.tomlString).joined(separator: ",") + "]",
            "-c", prefix + "tool_timeout_sec=604800",
            "-c", prefix + "startup_timeout_sec=60",
            "-c", prefix + "default_tools_approval_mode=\"approve\"",
        ]
    }

    /// A TOML basic string; JSON's string escapes are valid TOML.
    static func tomlString(_ text: String) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]  // `\/` is not a TOML escape
        return (try? encoder.encode(text)).map { String(decoding: $0, as: UTF8.self) } ?? "\"\""
    }
}
