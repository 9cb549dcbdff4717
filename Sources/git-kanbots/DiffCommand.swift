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
        let (base, tip) = try Self.range(of: record, in: repository)
        try execGit(["-C", repository.workingDirectory, "diff", base.hex, tip.hex] + gitOptions)
    }

    /// The run's merge base with its base's tip (its recorded base commit
    /// when the base is gone) and its branch tip.
    static func range(of record: RunRecord, in repository: KanbotsRepository) throws -> (ObjectID, ObjectID) {
        let git = repository.git
        guard let tip = try git.referenceTarget("refs/heads/" + record.branch) else {
            throw KanbotsError.invalidArgument(
                "run \(record.id) has no branch \(record.branch) any more (\(record.state.rawValue)); nothing to diff")
        }
        let recorded = ObjectID(hex: record.baseCommit)
        let base = try git.resolveCommit(record.base).flatMap { try git.mergeBase(tip, $0) } ?? recorded ?? tip
        return (base, tip)
    }
}

/// Replaces this process with `git`, so it owns the terminal: pager, colours, signals.
func execGit(_ arguments: [String]) throws -> Never {
    FileHandle.standardOutput.synchronizeFile()
    let argv = (["git"] + arguments).map { strdup($0) } + [nil]
    execvp("git", argv)
    throw KanbotsError.io("cannot run git: \(String(cString: strerror(errno)))")
}
