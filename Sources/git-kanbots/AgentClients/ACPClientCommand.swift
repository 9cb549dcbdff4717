import ArgumentParser
import Foundation
import KanbotsACP
import KanbotsCore

/// The client side of the Agent Client Protocol for one run; supervisors
/// start it in place of an ACP agent (docs/agents.md, "ACP agents").
struct ACPClientCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "acp-client",
        abstract: "Run one prompt against an ACP agent (run by supervisors; not for direct use).",
        discussion: "Everything the agent says goes to standard output, one JSON-RPC message a line.",
        shouldDisplay: false
    )

    @OptionGroup var options: AgentClientArguments

    func run() throws {
        let (program, arguments) = try options.program()
        let environment = ProcessInfo.processInfo.environment
        let client = ACPClient(
            program: program, arguments: arguments, prompt: options.prompt, model: options.model,
            workingDirectory: FileManager.default.currentDirectoryPath,
            run: environment["KANBOTS_RUN_ID"].flatMap(RunID.init))
        do {
            let stopReason = try client.run()
            // A refusal is the agent's "no": the run did not do its work.
            if stopReason == "refusal" { throw ExitCode(3) }
        } catch let failure as ACPClient.Failure {
            FileHandle.standardError.write(Data("git-kanbots acp-client: \(failure)\n".utf8))
            throw ExitCode(1)
        }
    }
}
