import ArgumentParser
import Foundation
import KanbotsApp
import KanbotsCore
import KanbotsStore

struct PoolCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pool",
        abstract: "Show the pool of prepared worktrees that make dispatch instant.",
        discussion: """
            `git config kanbots.pool N` keeps N worktrees (default 2; 0 turns the pool off) checked \
            out at the base tip, detached, under .kanbots/pool/. A dispatch on the default base \
            moves one into place as the run's worktree, on the run's new branch, instead of checking \
            out every file. Once its agent runs, a background `pool refill` prepares the next one and brings stale \
            entries to the base's new tip with an incremental checkout. `git kanbots gc` removes \
            broken entries; `pool refill` (run by dispatch) or `pool empty` manage it by hand.
            """,
        subcommands: [PoolStatusCommand.self, PoolRefillCommand.self, PoolEmptyCommand.self],
        defaultSubcommand: PoolStatusCommand.self
    )
}

struct PoolStatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status", abstract: "List the pool's entries: ready at the base tip, stale, or being prepared.")

    @Flag(help: "Print JSON (size, base and entries).") var json = false

    func run() throws {
        let status = try PoolActions(try openInitializedRepository()).status()
        if json { return try printJSON(status) }
        print("pool: \(status.entries.filter { $0.state == "ready" }.count) of \(status.size) ready "
              + "at \(status.base) (\(status.baseCommit.map { String($0.prefix(10)) } ?? "unknown"))")
        for entry in status.entries {
            print("  \(entry.path)  \(entry.state)  \(entry.commit.map { String($0.prefix(10)) } ?? "-")")
        }
    }
}

/// Started in the background by a run's supervisor; harmless to run by hand.
struct PoolRefillCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "refill", abstract: "Prepare or refresh pool entries at the base tip (dispatch runs it).")

    @Option(help: "The repository (default: the current directory's).") var repository: String?
    @Option(help: "Wait (up to 5 s) for this run's agent to write its first output before starting.")
    var afterRun: String?

    func run() throws {
        let repository = try self.repository.map { try KanbotsRepository(discoveringFrom: $0) } ?? openInitializedRepository()
        // Be the background job it is: runs starting meanwhile come first.
        _ = nice(10)
        try PoolActions(repository).refill(after: afterRun.flatMap(RunID.init))
    }
}

struct PoolEmptyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "empty", abstract: "Remove every pool entry.")

    func run() throws {
        let repository = try openInitializedRepository()
        for entry in try WorktreePool(repository).empty() { print("removed \(WorktreePool.folder)/\(entry)") }
    }
}
