import ArgumentParser
import Foundation
import KanbotsApp
import KanbotsCore

struct GCCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gc",
        abstract: "Remove worktrees of finished runs and stale worktree records; report the disk freed.",
        discussion: """
            Branches are kept (a finished run's work stays reviewable on its branch); only the \
            checked-out folders go. Pool entries (`git kanbots pool`) that are not whole worktrees \
            are removed, and claims of them a killed dispatch left are finished first. Worktree records whose folder is gone and folders under \
            .kanbots/worktrees that no run owns are removed too. Active runs are never touched.
            """
    )

    @Flag(help: "Say what would be removed without removing it.") var dryRun = false

    func run() throws {
        let summary = try GarbageCollection(try openRepository()).collect(dryRun: dryRun) { print($0) }
        print("\(dryRun ? "would free" : "freed") \(formatBytes(summary.freedBytes)): "
              + "\(summary.removedFolders) worktree folder(s) removed, \(summary.prunedRecords) stale record(s) pruned")
    }
}
