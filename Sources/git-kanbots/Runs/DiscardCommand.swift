import ArgumentParser
import Foundation
import KanbotsApp
import KanbotsCore
import KanbotsStore

struct DiscardCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "discard",
        abstract: "Remove a finished run's worktree and branch; its history stays.",
        discussion: """
            Records the run as discarded (see `git kanbots show <run>`). The branch tip is printed \
            so the work can be brought back with `git branch <name> <commit>`. A run that is still \
            active must be stopped first (`git kanbots stop <run>`).
            """
    )

    @Argument(help: "The run id.") var runID: String

    func run() throws {
        let repository = try openRepository()
        let id = try resolveRun(runID, in: repository)
        let discarded = try RunActions(repository).discard(id)
        if discarded.already {
            print("run \(id) was already discarded")
            return
        }
        let record = discarded.record
        let tip = discarded.branchTip
        print("discarded run \(id): removed \(record.worktree)\(tip == nil ? "" : " and \(record.branch)")")
        if let tip { print("  the branch was at \(tip.hex); `git branch \(record.branch) \(tip.short)` restores it") }
    }
}
