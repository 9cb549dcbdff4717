import KanbotsCore
import KanbotsEnvironment
import KanbotsStore
import KanbotsSystem

/// How to start one kind of agent for a run.
public struct AgentCommand: Sendable {
    /// The agent's program and its arguments.
    public var executable: String
    public var arguments: [String]
    /// Our own client that speaks for the run to an agent with no stream of
    /// its own (`git-kanbots acp-client`, `aider-client`): started in the
    /// agent's place, with the agent's command after `--`. Empty when the
    /// supervisor starts the agent itself. Confinement wraps only the agent,
    /// so the client keeps what the agent must not have (the run's record).
    public var client: [String] = []

    /// What the supervisor starts: the client with the agent after `--`, or the agent.
    public var spawned: (executable: String, arguments: [String]) {
        guard let clientProgram = client.first else { return (executable, arguments) }
        return (clientProgram, client.dropFirst() + ["--", executable] + arguments)
    }
}

/// The agents git-kanbots knows how to run, and how each is invoked.
public enum AgentCatalog {
    public static let names = ["demo", "claude", "codex", "aider"]

    /// The program each agent needs, for the "missing binary" check at dispatch.
    static func binaryName(_ agent: String) -> String? {
        switch agent {
        case "claude": "claude"
        case "codex": "codex"
        case "aider": "aider"
        default: nil
        }
    }

    /// Whether a reply continues the agent's own session (Claude's
    /// `--resume`, Codex's `exec resume`) rather than starting afresh.
    public static func resumesSessions(_ agent: String) -> Bool { agent == "claude" || agent == "codex" }

    /// Finds the agent's program: `kanbots.agent.<name>.path`, else PATH.
    /// Called at dispatch so a missing binary is an error now, not a failed
    /// run later.
    public static func locate(_ agent: String, settings: Settings) throws -> String {
        if !names.contains(agent) { return try locateConfigured(definition(agent, settings: settings)) }
        // The demo agent is built into the lean executable (it starts faster there).
        guard let binary = binaryName(agent) else { return ProcessLauncher.supervisorExecutable }
        let key = "kanbots.agent.\(agent).path"
        if let configured = settings.string(key) {
            guard let found = ProcessLauncher.locate(configured) else {
                throw KanbotsError.agentNotFound(agent: agent, binary: configured, configKey: key)
            }
            return found
        }
        guard let found = ProcessLauncher.locate(binary) else {
            throw KanbotsError.agentNotFound(agent: agent, binary: binary, configKey: key)
        }
        return found
    }

    public static func command(
        for record: RunRecord, prompt: String, settings: Settings, decisions: DecisionServerLaunch? = nil,
        commitAccess: CommitAccess? = nil, confined: Bool = false
    ) throws -> AgentCommand {
        let executable = try locate(record.agent, settings: settings)
        if !names.contains(record.agent) {
            return try acpCommand(for: record, program: executable, prompt: prompt, settings: settings)
        }
        if record.agent == "aider" { return aiderCommand(for: record, program: executable, prompt: prompt, settings: settings) }
        let extra = (settings.string("kanbots.agent.\(record.agent).args") ?? "")
            .split(separator: " ").map(String.init)
        var arguments: [String]
        switch record.agent {
        case "claude":
            let mode = settings.string("kanbots.agent.claude.permission-mode") ?? "bypassPermissions"
            arguments = ["-p", prompt, "--output-format", "stream-json", "--verbose", "--permission-mode", mode]
            if let cap = record.capUSD { arguments += ["--max-budget-usd", String(printf: "%.2f", cap)] }
            if let model = record.model { arguments += ["--model", model] }
            if let session = record.sessionID, record.replyTo != nil || record.resumesSession {
                arguments += ["--resume", session]
            }
            if let decisions {
                arguments += ["--mcp-config", decisions.configPath]
                // Permission prompts go to the human too, unless nothing is asked.
                if mode != "bypassPermissions" {
                    arguments += ["--permission-prompt-tool", DecisionTools.qualified(DecisionTools.approve)]
                }
            }
        case "codex":
            arguments = CodexInvocation.arguments(
                record: record, prompt: prompt, decisions: decisions, commitAccess: commitAccess, confined: confined)
        default:
            arguments = ["demo-agent", "--prompt", prompt]
            if let model = record.model { arguments += ["--model", model] }
        }
        return AgentCommand(executable: executable, arguments: arguments + extra)
    }

    /// Variables an agent must never see: they would let it push or act as
    /// the user on a forge (design invariant 4). Documented in docs/agents.md.
    public static let strippedVariables: Set<String> = [
        "GH_TOKEN", "GITHUB_TOKEN", "GH_ENTERPRISE_TOKEN", "GITHUB_ENTERPRISE_TOKEN", "GITLAB_TOKEN",
        "SSH_AUTH_SOCK", "SSH_AGENT_PID", "GIT_ASKPASS", "SSH_ASKPASS", "GIT_SSH", "GIT_SSH_COMMAND",
        // Set by git when it runs us; the agent must discover its own worktree.
        "GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_COMMON_DIR", "GIT_PREFIX", "GIT_OBJECT_DIRECTORY",
        "KANBOTS_LOCK_FD", "KANBOTS_START_FD",
    ]

    /// The agent's environment: ours minus credentials, plus the run's facts,
    /// with git credential helpers switched off for every git it runs.
    public static func environment(for record: RunRecord, worktree: String,
                                   base: [String: String] = ProcessInfo.processInfo.environment) -> [String: String] {
        var environment = base.filter { !strippedVariables.contains($0.key) && !$0.key.hasPrefix("GIT_CONFIG_") }
        environment["GIT_TERMINAL_PROMPT"] = "0"
        environment["GIT_CONFIG_COUNT"] = "2"
        environment["GIT_CONFIG_KEY_0"] = "credential.helper"
        environment["GIT_CONFIG_VALUE_0"] = ""
        environment["GIT_CONFIG_KEY_1"] = "core.sshCommand"
        environment["GIT_CONFIG_VALUE_1"] = "false"
        // The run's own (KANBOTS_RUN, KANBOTS_PORT, …), as its setup, services and checks see them.
        environment.merge(RunVariables(record: record, worktree: worktree).values) { _, run in run }
        environment["KANBOTS_RUN_ID"] = record.id.description
        environment["KANBOTS_BRANCH"] = record.branch
        // A question may wait hours for a human: Claude Code's default MCP
        // tool timeout would abandon it (milliseconds; a week).
        if environment["MCP_TOOL_TIMEOUT"] == nil { environment["MCP_TOOL_TIMEOUT"] = "604800000" }
        return environment
    }
}
