import ArgumentParser
import Foundation
import KanbotsApp
import KanbotsStore

struct AgentsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "agents",
        abstract: "List the agents dispatch can run: found or not, version, protocol, how each is metered.",
        discussion: """
            Built in: demo, claude, codex, aider. Define your own ACP agent (Gemini CLI, OpenCode, Goose, \
            Mistral Vibe...) with `git config kanbots.agent.<name>.protocol acp`, \
            `kanbots.agent.<name>.path` and `kanbots.agent.<name>.args`; then \
            `git kanbots dispatch <card> --agent <name> --max-time 30m`. Each program is asked \
            `--version`, a few seconds at most; for one that prints none, the PyPI or npm \
            package it was installed from is shown instead, when it can be found.
            """
    )

    @Flag(help: "Print JSON.") var json = false

    func run() throws {
        let repository = try openRepository()
        let settings = Settings(repository)
        let statuses = AgentActions(repository).statuses()
        if json { return try printJSON(statuses.map(AgentJSON.init)) }
        let defaultAgent = settings.defaultAgent
        print("\(column("AGENT", 10)) \(column("PROTOCOL", 19)) \(column("VERSION", 34)) METERED BY")
        for status in statuses {
            let name = status.definition.name + (status.definition.name == defaultAgent ? " *" : "")
            let found = status.path == nil ? "missing" : (status.version ?? status.package ?? "found, version unknown")
            print("\(column(name, 10)) \(column(status.definition.agentProtocol.rawValue, 19)) \(column(found, 34)) \(status.definition.agentProtocol.metering)")
            if let problem = status.problem { print("           \(problem)") }
        }
        print("\n* the default agent (git config \(Settings.Key.agent))")
    }
}
