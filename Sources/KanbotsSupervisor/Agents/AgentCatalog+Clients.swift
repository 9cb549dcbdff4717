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
        var client = [ProcessLauncher.kanbotsExecutable, "acp-client", "--prompt", prompt]
        if let model = record.model { client += ["--model", model] }
        return AgentCommand(executable: program, arguments: definition.extraArguments, client: client)
    }
}

extension AgentCatalog {
    /// Aider runs behind `git-kanbots aider-client`, which runs it as given
    /// and turns its text output into the transcript (docs/agents.md,
    /// "Aider"). The whole command line is made here, so that confinement
    /// wraps Aider with its flags.
    static func aiderCommand(for record: RunRecord, program: String, prompt: String, settings: Settings) -> AgentCommand {
        let extra = (settings.string("kanbots.agent.aider.args") ?? "").split(separator: " ").map(String.init)
        return AgentCommand(executable: program, arguments: aiderArguments(prompt: prompt, model: record.model) + extra,
                            client: [ProcessLauncher.kanbotsExecutable, "aider-client"])
    }

    /// Aider's one-shot, unattended mode: answer yes to every question, plain
    /// output, nothing fetched but the model API, and no files of its own in
    /// the worktree (histories to /dev/null, no repo-map cache, no
    /// .gitignore edit), so a checkpoint commits only the work. The user's
    /// `kanbots.agent.aider.args` come after, so they win.
    static func aiderArguments(prompt: String, model: String?) -> [String] {
        var words = ["--message", prompt, "--yes-always", "--no-pretty", "--no-fancy-input", "--no-check-update",
                     "--no-show-release-notes", "--analytics-disable", "--no-gitignore", "--map-tokens", "0",
                     "--chat-history-file", "/dev/null", "--input-history-file", "/dev/null"]
        if let model { words += ["--model", model] }
        return words
    }
}
