import KanbotsCore
import KanbotsStore
import KanbotsSystem

/// How git-kanbots talks to an agent: the wire format of its stream.
public enum AgentProtocol: String, Sendable, CaseIterable {
    /// Claude Code's `--output-format stream-json` (the demo agent speaks it too).
    case claudeStreamJSON = "claude-stream-json"
    /// `codex exec --json`.
    case codexJSON = "codex-json"
    /// The Agent Client Protocol: JSON-RPC 2.0 on the agent's stdio, spoken
    /// by `git-kanbots acp-client` on the run's behalf.
    case acp
    /// Aider's plain text, turned into NDJSON by `git-kanbots aider-client`.
    case aiderText = "aider-text"

    /// How a run of this protocol is metered, in words for `agents`.
    public var metering: String {
        switch self {
        case .claudeStreamJSON: "cost reported by the agent (total_cost_usd), live tokens × price table"
        case .codexJSON: "tokens × price table"
        case .acp: "cost or tokens the agent reports, else unmetered (needs --max-time)"
        case .aiderText: "Aider's own cost report, else its tokens × price table"
        }
    }

    /// Whether the protocol can leave a run with no cost at all, so only a
    /// wall-clock cap bounds it.
    public var mayBeUnmetered: Bool { self == .acp }
}

/// One agent `dispatch --agent NAME` can run: built in (demo, claude,
/// codex), or defined in git config by `kanbots.agent.NAME.protocol` with
/// `.path` and `.args`.
public struct AgentDefinition: Sendable, Equatable {
    public var name: String
    public var agentProtocol: AgentProtocol
    public var isBuiltIn: Bool
    /// The program: `kanbots.agent.NAME.path`, else the built-in binary name
    /// (nil for the demo agent, which is git-kanbots itself).
    public var program: String?
    /// `kanbots.agent.NAME.args`, split on spaces.
    public var extraArguments: [String]

    public var configKey: String { "kanbots.agent.\(name)" }
}

extension AgentCatalog {
    static let protocolSuffix = ".protocol"

    /// The built-in agents and every agent defined in git config, by name.
    public static func definitions(settings: Settings) -> [AgentDefinition] {
        let configured = settings.entries(prefix: "kanbots.agent.")
            .filter { $0.key.hasSuffix(protocolSuffix) }
            .map { String($0.key.dropFirst("kanbots.agent.".count).dropLast(protocolSuffix.count)) }
        let all = names + configured.filter { !names.contains($0) }.sorted()
        return all.compactMap { try? definition($0, settings: settings) }
    }

    /// The agent called `name`, or an error listing the known ones and how
    /// to define a new one.
    public static func definition(_ name: String, settings: Settings) throws -> AgentDefinition {
        let key = "kanbots.agent.\(name)"
        let arguments = (settings.string(key + ".args") ?? "").split(separator: " ").map(String.init)
        if names.contains(name) {
            let builtIn: AgentProtocol = switch name {
            case "codex": .codexJSON
            case "aider": .aiderText
            default: .claudeStreamJSON
            }
            return AgentDefinition(name: name, agentProtocol: builtIn, isBuiltIn: true,
                                   program: settings.string(key + ".path") ?? binaryName(name),
                                   extraArguments: arguments)
        }
        guard let text = settings.string(key + protocolSuffix) else {
            let known = names + definitions(settings: settings).filter { !$0.isBuiltIn }.map(\.name)
            throw KanbotsError.unknownAgent(name, known: known)
        }
        guard let kind = AgentProtocol(rawValue: text), kind == .acp else {
            throw KanbotsError.invalidArgument(
                "git config \(key).protocol is '\(text)'; the protocol an agent of your own can speak is 'acp'")
        }
        return AgentDefinition(name: name, agentProtocol: kind, isBuiltIn: false,
                               program: settings.string(key + ".path") ?? name, extraArguments: arguments)
    }

    /// Checks that `name` is an agent this clone can run.
    public static func validate(_ name: String, settings: Settings) throws {
        _ = try definition(name, settings: settings)
    }

    /// The program of a configured agent, found now so a missing one is an
    /// error at dispatch, not a failed run later.
    static func locateConfigured(_ definition: AgentDefinition) throws -> String {
        let program = definition.program ?? definition.name
        guard let found = ProcessLauncher.locate(program) else {
            throw KanbotsError.agentNotFound(agent: definition.name, binary: program, configKey: definition.configKey + ".path")
        }
        return found
    }
}
