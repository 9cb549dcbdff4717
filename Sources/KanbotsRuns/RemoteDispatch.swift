import KanbotsCore
import KanbotsExecutors
import KanbotsStore
import KanbotsSystem

/// `dispatch --on slurm` (or any engine): the run is claimed here as a
/// local one is (its id, its `queued` record, `Executor:`), then handed to
/// the engine. No worktree, ports or supervisor on this machine: those are
/// the job's (docs/executors.md).
struct RemoteDispatch {
    let repository: KanbotsRepository
    let executor: any RunExecutor

    /// - Parameter attachments: the first record's files (`prompt-context.md`
    ///   of a rebase or fix run): they travel with the record, so the
    ///   supervisor in the job reads them as a local one does.
    func submit(attachments: [String: Data] = [:], record make: (RunID) throws -> RunRecord) throws -> RunRecord {
        try executor.checkAvailable()
        let clone = try Settings(repository).cloneTag()
        // Held from before the claim until the engine has the job: until
        // then the run reads as alive (BoardLoader.liveness), not as lost.
        let pending = repository.stateDirectory + "/pending-\(UUID().uuidString).lock"
        let lock = try FileLock(path: pending)
        lock.lock()
        defer { unlink(pending) }
        let record = try RunStore(repository).create(clone: clone, attachments: attachments) { id in
            var record = try make(id)
            record.setExtra(RunRecord.dispatchLockKey, PathName.lastComponent(of: pending))
            return record
        }
        do {
            try executor.submit(record, start: nil)
            return try RunStore(repository).record(record.id)
        } catch {
            // As for a local run: the id stays claimed, the run is failed.
            _ = try? RunStore(repository).transition(record.id, to: .failed, reason: "dispatch_failed: \(error)")
            throw error
        }
    }
}

extension Dispatcher {
    /// Refuses an executor that cannot take runs from here (no engine
    /// client, no remote) with its fix, before anything is claimed: an
    /// autopilot session checks once instead of failing each dispatch.
    public func checkAvailable(_ kind: ExecutorKind) throws {
        try Executors.executor(kind, repository: repository).checkAvailable()
    }
}
