import ArgumentParser
import Foundation
import KanbotsApp
import KanbotsCore
import KanbotsGit
import KanbotsStore

struct DiffCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "diff",
        abstract: "Show a run's change against its merge base, through git's own diff.",
        discussion: """
            Runs `git diff <merge base> <branch tip>` with the options after `--`, so git's pager, \
            colours and every option work: `git kanbots diff 7 -- --stat`, `git kanbots diff 7 -- \
            --word-diff`, `git kanbots diff 7 -- -- Sources/`. The merge base is taken against the \
            base's current tip, so what landed on the base meanwhile is not shown as the run's.
            """
    )

    @Argument(help: "The run id (e.g. 7-k3qz, or 7 when unambiguous).") var runID: String
    @Argument(parsing: .postTerminator, help: "Options and paths for git diff, after `--`.") var gitOptions: [String] = []

    func run() throws {
        let repository = try openRepository()
        let id = try resolveRun(runID, in: repository)
        let record = try RunStore(repository).record(id)
        let (base, tip) = try RunChanges(record, in: repository).range()
        try execGit(["-C", repository.workingDirectory, "diff", base.hex, tip.hex] + gitOptions)
    }
}

/// Replaces this process with `git`, so it owns the terminal: pager, colours, signals.
func execGit(_ arguments: [String]) throws -> Never {
    FileHandle.standardOutput.synchronizeFile()
    let argv = (["git"] + arguments).map { strdup($0) } + [nil]
    execvp("git", argv)
    throw KanbotsError.io("cannot run git: \(String(cString: strerror(errno)))")
}
