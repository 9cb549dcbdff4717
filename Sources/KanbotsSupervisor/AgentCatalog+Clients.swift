import KanbotsCore
import KanbotsStore
import KanbotsSystem

extension AgentCatalog {
    /// An ACP agent runs behind `git-kanbots acp-client`, which spawns it,
    /// speaks JSON-RPC on its stdio and writes what it says to the
    /// transcript (docs/agents.md, "ACP agents").
    static func acpCommand(for record: RunRecord, program: String, prompt: String,
                           settings: Settings) throws -> AgentCommand {
        let definition = try definition(record.agent, settings: settings)
        var arguments = ["acp-client", "--prompt", prompt]
        if let model = record.model { arguments += ["--model", model] }
        arguments += ["--", program] + definition.extraArguments
        return AgentCommand(executable: ProcessLauncher.kanbotsExecutable, arguments: arguments)
    }
}

extension AgentCatalog {
    /// Aider runs behind `git-kanbots aider-client`, which gives it its
    /// one-shot flags and turns its text output into the transcript
    /// (docs/agents.md, "Aider").
    static func aiderCommand(for record: RunRecord, program: String, prompt: String, settings: Settings) -> AgentCommand {
        var arguments = ["aider-client", "--prompt", prompt]
        if let model = record.model { arguments += ["--model", model] }
        let extra = (settings.string("kanbots.agent.aider.args") ?? "").split(separator: " ").map(String.init)
        return AgentCommand(executable: ProcessLauncher.kanbotsExecutable, arguments: arguments + ["--", program] + extra)
    }
}
