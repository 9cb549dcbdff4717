import KanbotsCore
import KanbotsStore
import KanbotsSystem

extension Supervisor {
    /// The agent's command for this run: its decision server, the git data
    /// it may write to commit, and, when confined, bubblewrap around it all.
    func agentCommand(for record: RunRecord, confinement: AgentConfinement?,
                      environment: [String: String]) throws -> AgentCommand {
        var decisions: DecisionServerLaunch?
        if record.agent == "claude" || record.agent == "codex" {
            decisions = DecisionServerLaunch(repository: repository, id: id)
            try decisions?.writeConfig()
        }
        let commitAccess = CommitAccess(repository: repository, record: record)
        try commitAccess.prepare()
        let settings = Settings(repository)
        let command = try AgentCatalog.command(
            for: record, prompt: try prompt(for: record), settings: settings, decisions: decisions,
            commitAccess: commitAccess, confined: confinement != nil)
        guard let confinement else { return command }
        var writable = try commitAccess.writableFolders + AgentConfinement.stateFolders(
            agent: record.agent, program: command.executable, settings: settings, environment: environment)
        // The decision server (`git-kanbots mcp`) runs as the agent's child,
        // inside the sandbox, and records questions in the run's record (the
        // ref, through a lock beside it, and the ref's log). ACP agents ask
        // through acp-client, which stays outside: their runs' records stay
        // read-only to them.
        if decisions != nil {
            for folder in ["", "logs/"].map({ repository.commonDirectory + "/" + $0 + KanbotsRepository.runsRefPrefix }) {
                try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
                writable.append(folder)
            }
        }
        let readable = [AgentConfinement.homeFolder(environment), repository.workingDirectory, repository.commonDirectory,
                        PathName.parent(of: ProcessLauncher.kanbotsExecutable)]
            + AgentConfinement.readableFolders(for: command, environment: environment)
        return confinement.wrap(command, worktree: repository.absolutePath(record.worktree), writable: writable,
                                readable: readable)
    }
}
