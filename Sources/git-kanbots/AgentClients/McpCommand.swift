import ArgumentParser
import Foundation
import KanbotsCore
import KanbotsMCP
import KanbotsStore

/// The decision server an agent starts through its MCP configuration
/// (written by the supervisor into the run's folder). Not for direct use.
struct McpCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mcp",
        abstract: "Serve the run's decision tools (ask, approve) over MCP stdio (started by the agent; not for direct use).",
        shouldDisplay: false
    )

    @Option(name: .customLong("run"), help: "The run whose questions this server records.") var runID: String
    @Option(help: "The repository's main working tree.") var repository: String?

    func run() throws {
        guard let id = RunID(runID) else { throw KanbotsError.unknownRun(runID) }
        let path = repository ?? FileManager.default.currentDirectoryPath
        _ = try RunStore(try KanbotsRepository(discoveringFrom: path)).record(id)  // fail now, not at the first call
        try DecisionServer.serve(repositoryPath: path, run: id)
    }
}
