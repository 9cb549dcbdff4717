import ArgumentParser
import Foundation
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
        let view = try runView(id, in: repository)
        let record = view.record
        if record.state.isActive, !view.isLost {
            throw KanbotsError.runNotFinished(id.description, state: record.state.rawValue)
        }
        if record.state == .discarded {
            print("run \(id) was already discarded")
            return
        }
        let tip = try repository.git.referenceTarget("refs/heads/" + record.branch)
        try Worktrees(repository).remove(
            name: record.worktreeRegistration, branch: record.branch, folder: record.worktree)
        try RunStore(repository).update(id) { current in
            current.state = .discarded
            current.reason = tip.map { "branch was at \($0.hex)" }
            if current.endedAt == nil { current.endedAt = Date() }
            return true
        }
        print("discarded run \(id): removed \(record.worktree)\(tip == nil ? "" : " and \(record.branch)")")
        if let tip { print("  the branch was at \(tip.hex); `git branch \(record.branch) \(tip.short)` restores it") }
    }
}
