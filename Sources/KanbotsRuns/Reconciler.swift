import KanbotsCore
import KanbotsEnvironment
import KanbotsExecutors
import KanbotsStore

/// Brings records in line with reality: a run recorded as active whose
/// supervisor is gone gets its terminal state written down. Any command may
/// run it; a compare-and-swap makes concurrent reconcilers harmless.
public struct Reconciler {
    let repository: KanbotsRepository

    public init(_ repository: KanbotsRepository) { self.repository = repository }

    public struct Outcome: Sendable {
        public var id: RunID
        public var state: RunState
        public var reason: String
        /// The agent outlived its supervisor; it keeps running until stopped.
        public var orphanedAgentPID: Int32?
    }

    /// - Parameter adoptingOrphans: start a new supervisor for runs whose
    ///   agent outlived its supervisor. Without it such runs are left alone
    ///   (the board shows them lost, with their agent still running).
    @discardableResult
    public func reconcile(adoptingOrphans: Bool, among candidates: [RunRecord]? = nil) throws -> [Outcome] {
        let loader = BoardLoader(repository)
        let store = RunStore(repository)
        var outcomes: [Outcome] = []
        var (all, remoteFetched) = (try candidates ?? RunIndex(repository).records().records, false)
        for var record in all where record.state.isActive && loader.liveness(of: record) == .gone {
            if record.executor.isRemote {
                // The job may have ended well: its final record is on the remote.
                if !remoteFetched {
                    remoteFetched = true
                    _ = try? Synchronizer(repository, remote: Settings(repository).executorRemote).sync(push: false)
                }
                guard let current = try? store.record(record.id), current.state.isActive else { continue }
                record = current
                if let outcome = try recordLostJob(record) { outcomes.append(outcome) }
                continue
            }
            // A queued run whose supervisor recorded itself was setting up its
            // environment: its dispatch was over, its supervisor was lost.
            let interrupted = record.state == .queued && record.supervisorPID == nil
            let reason = interrupted ? Reason.dispatchInterrupted : Reason.supervisorLost
            let orphan = record.agentPID.flatMap { ProcessProbe.isGroupAlive($0) ? $0 : nil }
            // An open question outlives its supervisor and agent: it stays on
            // the board, and answering it resumes the agent (Answerer).
            if orphan == nil, record.openQuestion != nil { continue }
            if orphan != nil, !interrupted {
                if adoptingOrphans, adopt(record) {
                    outcomes.append(Outcome(id: record.id, state: record.state, reason: "reattached", orphanedAgentPID: nil))
                }
                continue
            }
            // The lost supervisor's reserve makes room for this record on a full disk.
            DiskSpace.release(at: repository.runDirectory(record.id) + "/" + DiskSpace.reserveName)
            let updated = try store.update(record.id) { current in
                // Someone else may have reconciled or a late supervisor finished.
                guard current.state.isActive, loader.liveness(of: current) == .gone,
                      current.openQuestion == nil else { return false }
                current.state = .failed
                current.reason = orphan.map { "\(reason); agent \($0) still running" } ?? reason
                current.endedAt = Date()
                if let live = LiveStatusFile.read(runDirectory: repository.runDirectory(record.id)) {
                    current.costUSD = max(current.costUSD, live.costUSD)
                    current.turns = current.turns ?? live.turns
                    current.sessionID = current.sessionID ?? live.sessionID
                }
                return true
            }
            guard updated.state == .failed, updated.reason?.hasPrefix(reason) == true else { continue }
            // Checks the lost supervisor was running would go on for up to
            // their timeout, using the machine and the worktree: end them.
            ProcessProbe.endGroups(markedWith: "\(RunChecks.runVariable)=\(record.id)")
            // And so would its setup and services, holding the run's ports.
            ProcessProbe.endGroups(markedWith: "\(RunVariables.environmentMarker)=\(record.id)")
            RunPorts.release(updated, repository: repository)
            if interrupted, orphan == nil { cleanUpInterruptedDispatch(updated) }
            outcomes.append(Outcome(id: record.id, state: .failed, reason: reason, orphanedAgentPID: orphan))
        }
        return outcomes
    }

    /// Loads the board, recording first what needs recording: the records
    /// are read once, and again only if a run was reconciled.
    public func reconciledSnapshot(summarizingSettled: Bool = false) throws -> BoardLoader.Snapshot {
        let loader = BoardLoader(repository)
        let snapshot = try loader.load(summarizingSettled: summarizingSettled)
        let lost = snapshot.board.runs.filter { $0.isLost && !$0.observation.agentAlive }.map(\.record)
        guard !lost.isEmpty, !(try reconcile(adoptingOrphans: false, among: lost)).isEmpty else { return snapshot }
        snapshot.saveCache()
        return try loader.load(summarizingSettled: summarizingSettled)
    }

    /// A remote run whose job the engine no longer knows, with no final
    /// record on the remote: lost, as a local run whose supervisor died.
    func recordLostJob(_ record: RunRecord) throws -> Outcome? {
        let loader = BoardLoader(repository)
        let updated = try RunStore(repository).update(record.id) { current in
            guard current.state.isActive, loader.liveness(of: current) == .gone else { return false }
            current.state = .failed
            current.reason = "\(Reason.supervisorLost); \(current.executor.rawValue) job \(current.job ?? current.jobName) is gone"
            current.endedAt = Date()
            return true
        }
        guard updated.state == .failed, updated.endedAt != nil, updated.reason?.hasPrefix(Reason.supervisorLost) == true else {
            return nil
        }
        return Outcome(id: record.id, state: .failed, reason: Reason.supervisorLost, orphanedAgentPID: nil)
    }

    /// Starts a new supervisor for a run whose agent outlived its supervisor.
    /// Taking the lock first makes sure only one reconciler adopts it.
    func adopt(_ record: RunRecord) -> Bool {
        guard let lock = try? FileLock(path: repository.supervisorLockPath(record.id)), lock.tryLock() else {
            return false
        }
        return (try? SupervisorLauncher(repository).start(record.id, holding: lock, reattach: true)) != nil
    }

    /// A dispatch killed half-way may have left a branch with no work on it
    /// and a worktree: remove them so nothing is orphaned.
    func cleanUpInterruptedDispatch(_ record: RunRecord) {
        // A reply borrows the worktree and branch of the run it continues.
        guard record.replyTo == nil else { return }
        guard let branchTip = try? repository.git.referenceTarget("refs/heads/" + record.branch) else {
            try? Worktrees(repository).remove(
                name: record.worktreeRegistration, branch: record.branch,
                folder: record.worktree)
            return
        }
        guard branchTip.hex == record.baseCommit else { return }
        try? Worktrees(repository).remove(
            name: record.worktreeRegistration, branch: record.branch,
            folder: record.worktree, onlyIfAt: branchTip)
    }

}
