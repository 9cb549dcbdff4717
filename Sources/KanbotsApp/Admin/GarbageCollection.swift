import Foundation
import KanbotsCore
import KanbotsRuns
import KanbotsStore

/// `git kanbots gc`: removes the checked-out folders of finished runs (their
/// branches stay reviewable), folders no run owns, broken pool entries and
/// stale worktree records. Active runs are never touched.
public struct GarbageCollection {
    public let repository: KanbotsRepository

    public init(_ repository: KanbotsRepository) { self.repository = repository }

    /// What was (or, dry, would be) removed and the space it held.
    public struct Summary: Sendable {
        public var freedBytes: Int64 = 0
        public var removedFolders = 0
        public var prunedRecords = 0
    }

    /// Collects, telling `report` each thing as it is removed (or, with
    /// `dryRun`, would be), in words a person reads.
    public func collect(dryRun: Bool, report: (String) -> Void) throws -> Summary {
        let manager = FileManager.default
        if !dryRun {
            // First finish claims of pool entries a killed dispatch left, so
            // their worktrees are whole before anything judges them.
            for entry in try WorktreePool(repository).prune() {
                report("removing broken pool entry \(WorktreePool.folder)/\(entry)")
            }
            _ = try? Reconciler(repository).reconcile(adoptingOrphans: false)
        }
        let records = try RunIndex(repository).records().records
        let active = Set(records.filter { $0.state.isActive }.map { repository.absolutePath($0.worktree) })
        var summary = Summary()

        for record in records where !record.state.isActive && record.host == KanbotsRepository.hostName {
            let path = repository.absolutePath(record.worktree)
            // A reply may be running in the worktree of a finished run.
            guard manager.fileExists(atPath: path), !active.contains(path) else { continue }
            let size = Worktrees.diskUsage(path)
            report("\(dryRun ? "would remove" : "removing") \(record.worktree) (run \(record.id), \(record.state.rawValue), \(formatBytes(size)))")
            if !dryRun {
                try manager.removeItem(atPath: path)
                try repository.metadataLock.withLock {
                    try repository.git.pruneWorktree(record.worktreeRegistration, removeFiles: false)
                }
            }
            summary.freedBytes += size
            summary.removedFolders += 1
        }

        let folder = repository.absolutePath(KanbotsRepository.worktreesFolder)
        let owned = try ownedFolders(in: folder, records: records)
        for name in (try? manager.contentsOfDirectory(atPath: folder)) ?? [] {
            let path = folder + "/" + name
            // A folder no run record owns is what a killed dispatch or a hand-made copy leaves.
            if owned.contains(path) || active.contains(path) { continue }
            let size = Worktrees.diskUsage(path)
            report("\(dryRun ? "would remove" : "removing") stray folder \(KanbotsRepository.worktreesFolder)/\(name) (\(formatBytes(size)))")
            if !dryRun { try manager.removeItem(atPath: path) }
            summary.freedBytes += size
            summary.removedFolders += 1
        }

        // Under the metadata lock: a registration a dispatch is writing right
        // now must not be mistaken for a half-written one.
        summary.prunedRecords = try repository.metadataLock.withLock { () -> Int in
            var pruned = 0
            for name in try repository.git.worktreeNames() where try !repository.git.isWorktreeValid(name) {
                report("\(dryRun ? "would prune" : "pruning") stale worktree record \(name)")
                if !dryRun { try repository.git.pruneWorktree(name, removeFiles: false) }
                pruned += 1
            }
            return pruned
        }
        if !dryRun { releaseAbandonedDispatches() }
        return summary
    }

    /// The folders under .kanbots/worktrees some run owns. A run whose record
    /// cannot be read, or whose branch lost its record (fsck calls it
    /// orphaned), may still own its folder: it is kept.
    private func ownedFolders(in folder: String, records: [RunRecord]) throws -> Set<String> {
        var owned = Set(records.map { repository.absolutePath($0.worktree) })
        let listed = Set(try RunStore(repository).allIDs().compactMap(\.id))
        for name in (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? [] {
            guard let (_, id) = RunRecord.parseName(name) else { continue }
            let refFile = repository.commonDirectory + "/" + KanbotsRepository.runsRefPrefix + id.description
            let hasBranch = try repository.git.referenceTarget("refs/heads/kanbots/" + name) != nil
            if listed.contains(id) || hasBranch || FileManager.default.fileExists(atPath: refFile) {
                owned.insert(folder + "/" + name)
            }
        }
        return owned
    }

    /// Removes the pending locks of dispatches that were killed, and gives
    /// back the space each had set aside for its records.
    private func releaseAbandonedDispatches() {
        let state = repository.stateDirectory
        for name in (try? FileManager.default.contentsOfDirectory(atPath: state)) ?? []
        where name.hasPrefix("pending-") && name.hasSuffix(".lock") && !FileLock.isHeld(at: state + "/" + name) {
            try? FileManager.default.removeItem(atPath: state + "/" + name)
            DiskSpace.release(at: state + "/" + name.dropLast(".lock".count) + ".reserve")
        }
    }
}

/// A size as people read it: `512 B`, `3.2 KiB`, `1.5 MiB`, `2.00 GiB`.
public func formatBytes(_ bytes: Int64) -> String {
    if bytes < 1024 { return "\(bytes) B" }
    if bytes < 1 << 20 { return String(format: "%.1f KiB", Double(bytes) / 1024) }
    if bytes < 1 << 30 { return String(format: "%.1f MiB", Double(bytes) / 1_048_576) }
    return String(format: "%.2f GiB", Double(bytes) / 1_073_741_824)
}
