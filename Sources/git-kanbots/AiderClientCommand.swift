import ArgumentParser
import Foundation
import KanbotsAider

/// Aider for one run; supervisors start it in place of Aider (docs/agents.md, "Aider").
struct AiderClientCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "aider-client",
        abstract: "Run Aider once for a run (run by supervisors; not for direct use).",
        discussion: "Writes Aider's output and token reports to standard output as NDJSON.",
        shouldDisplay: false
    )

    @OptionGroup var options: AgentClientArguments

    func run() throws {
        let (program, arguments) = try options.program()
        let status = try AiderClient(program: program, arguments: arguments, prompt: options.prompt, model: options.model)
            .run()
        if status != 0 { throw ExitCode(status) }
    }
}
