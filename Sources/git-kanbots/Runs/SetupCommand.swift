import ArgumentParser
import Foundation
import KanbotsApp
import KanbotsCore
import KanbotsStore

struct SetupCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "setup",
        abstract: "Run a finished run's setup again and record the result.",
        discussion: """
            The setup is the repository's `git config kanbots.setup` commands (several allowed, run \
            in order), then the card's own (`card edit N --setup CMD`), after the ignored files \
            `.worktreeinclude` names and the folders `kanbots.link` names are brought in (what is \
            there already stays). They run in the run's worktree (checked out again if `gc` removed \
            it) with the run's variables (KANBOTS_PORT, KANBOTS_RUN, …), each in its own process \
            group, within `kanbots.setup-timeout` (default 10m). The result replaces the run's \
            recorded setup and the output its `setup.log`. Use it after fixing a setup that failed, \
            then `git kanbots check RUN` or `reply`. Exits 1 when a command fails or times out. \
            See docs/environment.md.
            """)

    @Argument(help: "The run id (e.g. 7-k3qz, or 7 when unambiguous).") var runID: String
    @Flag(help: "Print the result as JSON instead of progress.") var json = false
    @Option(help: "Lines of the output to show when a command fails.") var tail = 20

    func run() throws {
        let repository = try openRepository()
        let id = try resolveRun(runID, in: repository)
        let record = try RunActions(repository).setUp(id) { index, count, command in
            guard !json else { return }
            print("setup \(index + 1)/\(count): \(command)")
        }
        guard let result = record.setup else { return }
        try printOutcome(result, of: "setup", log: RunRecord.setupLogFile, run: id, in: repository, json: json, tail: tail)
    }
}
