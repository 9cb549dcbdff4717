import Foundation
import KanbotsCore
import KanbotsStore
import KanbotsTestSupport

/// A scratch repository with run records as a dispatch leaves them, no
/// supervisor started: the tests play the supervisor (or the dispatch) by
/// holding its lock, the one liveness signal the board trusts.
final class LifecycleScratch {
    let scratch: ScratchRepository
    let repository: KanbotsRepository
    /// Random, so the reconciler's clean-up (which ends processes marked with
    /// a run id) can never match another test's or another checkout's runs.
    let clone = CloneTag.random()
    let base: String

    init() throws {
        scratch = try ScratchRepository()
        try scratch.git("config", "kanbots.clone", clone.value)
        base = try scratch.git("rev-parse", "HEAD")
        repository = try scratch.open()
    }

    /// A run record of card 1 on this host, `queued` then moved to `state`.
    func record(_ state: RunState, _ change: (inout RunRecord) -> Void = { _ in }) throws -> RunRecord {
        let store = RunStore(repository)
        let base = self.base
        let created = try store.create(clone: clone) { id in
            var record = RunRecord(
                id: id, card: 1, agent: "demo", model: nil, branch: RunRecord.branchName(card: 1, id: id),
                worktree: ".kanbots/worktrees/" + RunRecord.worktreeName(card: 1, id: id), base: "main",
                baseCommit: base, createdAt: Date(), host: KanbotsRepository.hostName,
                uuid: UUID().uuidString.lowercased())
            change(&record)
            return record
        }
        guard state != .queued else { return created }
        return try store.transition(created.id, to: state)
    }

    func current(_ id: RunID) throws -> RunRecord { try RunStore(repository).record(id) }

    /// Takes the lock at `path` (creating its folder) as a supervisor or a dispatch would.
    func hold(_ path: String) throws -> FileLock {
        try FileManager.default.createDirectory(
            atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        let lock = try FileLock(path: path)
        guard lock.tryLock() else { throw ScratchFailure("lock \(path) is already held") }
        return lock
    }

    /// The pid of a process that has exited and been reaped: a supervisor that died.
    static func deadProcessID() throws -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["true"]
        try process.run()
        process.waitUntilExit()
        return process.processIdentifier
    }
}
