import ArgumentParser
import Foundation
import KanbotsApp
import KanbotsCore
import KanbotsStore
import KanbotsSupervisor

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
        let repository = try openRepository()
        if !dryRun {
            // First finish claims of pool entries a killed dispatch left, so
            // their worktrees are whole before anything judges them.
            for entry in try WorktreePool(repository).prune() {
                print("removing broken pool entry \(WorktreePool.folder)/\(entry)")
            }
            _ = try? Reconciler(repository).reconcile(adoptingOrphans: false)
        }
        let records = try RunIndex(repository).records().records
        let active = Set(records.filter { $0.state.isActive }.map { repository.absolutePath($0.worktree) })
        var freed: Int64 = 0
        var removed = 0

        for record in records where !record.state.isActive && record.host == KanbotsRepository.hostName {
            let path = repository.absolutePath(record.worktree)
            // A reply may be running in the worktree of a finished run.
            guard FileManager.default.fileExists(atPath: path), !active.contains(path) else { continue }
            let size = Worktrees.diskUsage(path)
            print("\(dryRun ? "would remove" : "removing") \(record.worktree) (run \(record.id), \(record.state.rawValue), \(formatBytes(size)))")
            if !dryRun {
                try FileManager.default.removeItem(atPath: path)
                try repository.metadataLock.withLock {
                    try repository.git.pruneWorktree(record.worktreeRegistration, removeFiles: false)
                }
            }
            freed += size
            removed += 1
        }

        let folder = repository.absolutePath(KanbotsRepository.worktreesFolder)
        var owned = Set(records.map { repository.absolutePath($0.worktree) })
        // A run whose record cannot be read, or whose branch lost its record
        // (fsck calls it orphaned), may still own its folder: keep it.
        let listed = Set(try RunStore(repository).allIDs().compactMap(\.id))
        for name in (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? [] {
            guard let (_, id) = RunRecord.parseName(name) else { continue }
            let refFile = repository.commonDirectory + "/" + KanbotsRepository.runsRefPrefix + id.description
            let hasBranch = try repository.git.referenceTarget("refs/heads/kanbots/" + name) != nil
            if listed.contains(id) || hasBranch || FileManager.default.fileExists(atPath: refFile) {
                owned.insert(folder + "/" + name)
            }
        }
        for name in (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? [] {
            let path = folder + "/" + name
            // A folder no run record owns is what a killed dispatch or a hand-made copy leaves.
            if owned.contains(path) || active.contains(path) { continue }
            let size = Worktrees.diskUsage(path)
            print("\(dryRun ? "would remove" : "removing") stray folder \(KanbotsRepository.worktreesFolder)/\(name) (\(formatBytes(size)))")
            if !dryRun { try FileManager.default.removeItem(atPath: path) }
            freed += size
            removed += 1
        }

        // Under the metadata lock: a registration a dispatch is writing right
        // now must not be mistaken for a half-written one.
        let pruned = try repository.metadataLock.withLock { () -> Int in
            var pruned = 0
            for name in try repository.git.worktreeNames() where try !repository.git.isWorktreeValid(name) {
                print("\(dryRun ? "would prune" : "pruning") stale worktree record \(name)")
                if !dryRun { try repository.git.pruneWorktree(name, removeFiles: false) }
                pruned += 1
            }
            return pruned
        }
        for name in (try? FileManager.default.contentsOfDirectory(atPath: repository.stateDirectory)) ?? []
        where name.hasPrefix("pending-") && name.hasSuffix(".lock")
            && !FileLock.isHeld(at: repository.stateDirectory + "/" + name) {
            if !dryRun {
                try? FileManager.default.removeItem(atPath: repository.stateDirectory + "/" + name)
                // The space a killed dispatch set aside for its records.
                DiskSpace.release(at: repository.stateDirectory + "/" + name.dropLast(".lock".count) + ".reserve")
            }
        }
        print("\(dryRun ? "would free" : "freed") \(formatBytes(freed)): \(removed) worktree folder(s) removed, \(pruned) stale record(s) pruned")
    }
}

func formatBytes(_ bytes: Int64) -> String {
    if bytes < 1024 { return "\(bytes) B" }
    if bytes < 1 << 20 { return String(format: "%.1f KiB", Double(bytes) / 1024) }
    if bytes < 1 << 30 { return String(format: "%.1f MiB", Double(bytes) / 1_048_576) }
    return String(format: "%.2f GiB", Double(bytes) / 1_073_741_824)
}
