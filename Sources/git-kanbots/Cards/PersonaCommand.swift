import ArgumentParser
import Foundation
import KanbotsApp
import KanbotsCore
import KanbotsStore

struct PersonaCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "persona",
        abstract: "List, show, share and remove personas: prompt snippets appended to an agent's instructions.",
        discussion: """
            Built in: engineer, product-author, reviewer, tester. `persona set` shares one in git \
            (refs/kanbots/personas, travels with the run history); `git config kanbots.persona.<name>` \
            overrides a name for this clone only. Use them with `dispatch --persona` and \
            `autopilot start --personas`.
            """,
        subcommands: [List.self, Show.self, Set.self, Remove.self]
    )

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "list", abstract: "List the personas and where each comes from.")
        @Flag(help: "Print JSON.") var json = false

        func run() throws {
            let store = PersonaStore(try openRepository())
            let rows = store.names().map { name -> [String: String?] in
                let choice = store.agentChoice(for: name)
                return ["name": name, "origin": store.origin(of: name), "text": store.text(for: name),
                        "agent": choice.agent, "model": choice.model]
            }
            if json { return try printJSON(rows) }
            for row in rows {
                let agent = [row["agent"]!, row["model"]!].compactMap { $0 }.joined(separator: " ")
                let text = row["text"]! ?? "(no text: the \(Prompt.defaultPersona) persona's)"
                print("\(column(row["name"]!!, 16)) \(column(row["origin"]!!, 9)) \(column(agent.isEmpty ? "-" : agent, 24)) \(column(text, 50))")
            }
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "show", abstract: "Print the text an agent gets for a persona.")
        @Argument(help: "Persona name.") var name: String

        func run() throws {
            let store = PersonaStore(try openRepository())
            guard store.exists(name) else {
                throw KanbotsError.invalidArgument("unknown persona '\(name)'; `git kanbots persona list` shows them")
            }
            // A persona that names only an agent or model gives its runs the default text.
            print(store.text(for: name) ?? Prompt.builtInPersonas[Prompt.defaultPersona]!)
        }
    }

    struct Set: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "set", abstract: "Add or replace a persona shared in git.")
        @Argument(help: "Persona name (letters, digits, '-').") var name: String
        @Option(help: "The persona's instructions.") var text: String?
        @Option(name: .customLong("file"), help: "Read the instructions from a file (- for standard input).")
        var file: String?
        @Option(help: ArgumentHelp(
            "The agent this persona's runs use unless the dispatch or the card names one (`none` clears it).",
            discussion: "So autopilot can send a cheap model to tests and a strong one to refactors."))
        var agent: String?
        @Option(help: "The model this persona's runs ask for (`none` clears it).") var model: String?

        func run() throws {
            let body = try readBody(body: text, bodyFile: file)?.trimmingCharacters(in: .whitespacesAndNewlines)
            guard body?.isEmpty == false || agent != nil || model != nil else {
                throw KanbotsError.invalidArgument("give the persona's instructions with --text or --file (or --agent/--model)")
            }
            let repository = try openRepository()
            let store = PersonaStore(repository)
            if let body, !body.isEmpty { try store.set(name, text: body) }
            if agent != nil || model != nil {
                if let agent, agent != "none" { try AgentActions(repository).validate(agent) }
                var choice = (try store.sharedChoices())[name] ?? AgentChoice()
                if let agent { choice.agent = agent == "none" ? nil : agent }
                if let model { choice.model = model == "none" ? nil : model }
                try store.setAgentChoice(name, choice)
            }
            print("persona \(name) shared in refs/kanbots/personas")
        }
    }

    struct Remove: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "remove", abstract: "Remove a shared persona (built-in ones stay).")
        @Argument(help: "Persona name.") var name: String

        func run() throws {
            try PersonaStore(try openRepository()).set(name, text: nil)
            print("persona \(name) removed from refs/kanbots/personas")
        }
    }
}
