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

    @Option var prompt: String
    @Option var model: String?
    @Argument(parsing: .captureForPassthrough, help: "-- then Aider's program and extra arguments.")
    var command: [String] = []

    func run() throws {
        let words = command.first == "--" ? Array(command.dropFirst()) : command
        guard let program = words.first else { throw ValidationError("give Aider's program after --") }
        let status = try AiderClient(program: program, arguments: Array(words.dropFirst()), prompt: prompt, model: model)
            .run()
        if status != 0 { throw ExitCode(status) }
    }
}
