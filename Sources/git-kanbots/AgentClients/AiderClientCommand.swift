import ArgumentParser
import Foundation
import KanbotsAider

/// Aider for one run; supervisors start it in place of Aider (docs/agents.md, "Aider").
struct AiderClientCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "aider-client",
        abstract: "Run Aider once for a run, as given after -- (run by supervisors; not for direct use).",
        discussion: "Writes Aider's output and token reports to standard output as NDJSON.",
        shouldDisplay: false
    )

    @OptionGroup var aider: AgentCommandLine

    func run() throws {
        let (program, arguments) = try aider.program()
        let status = try AiderClient(program: program, arguments: arguments).run()
        if status != 0 { throw ExitCode(status) }
    }
}
