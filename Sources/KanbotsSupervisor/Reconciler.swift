import Foundation
import KanbotsCore
import KanbotsStore
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

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

    @discardableResult
    public func reconcile() throws -> [Outcome] {
        let loader = BoardLoader(repository)
        let store = RunStore(repository)
        var outcomes: [Outcome] = []
        for record in try RunIndex(repository).records().records
        where record.state.isActive && loader.liveness(of: record) == .gone {
            let interrupted = record.state == .queued
            let reason = interrupted ? Reason.dispatchInterrupted : Reason.supervisorLost
            let orphan = record.agentPID.flatMap { Self.isProcessGroupAlive($0) ? $0 : nil }
            let updated = try store.update(record.id) { current in
                // Someone else may have reconciled or a late supervisor finished.
                guard current.state.isActive, loader.liveness(of: current) == .gone else { return false }
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
            if interrupted, orphan == nil { cleanUpInterruptedDispatch(updated) }
            outcomes.append(Outcome(id: record.id, state: .failed, reason: reason, orphanedAgentPID: orphan))
        }
        return outcomes
    }

    /// A dispatch killed half-way may have left a branch with no work on it
    /// and a worktree: remove them so nothing is orphaned.
    func cleanUpInterruptedDispatch(_ record: RunRecord) {
        guard let branchTip = try? repository.git.referenceTarget("refs/heads/" + record.branch) else {
            try? Worktrees(repository).remove(
                name: RunRecord.worktreeName(card: record.card, id: record.id), branch: record.branch,
                folder: record.worktree)
            return
        }
        guard branchTip.hex == record.baseCommit else { return }
        try? Worktrees(repository).remove(
            name: RunRecord.worktreeName(card: record.card, id: record.id), branch: record.branch,
            folder: record.worktree, onlyIfAt: branchTip)
    }

    /// Whether any process of the group the agent leads is still alive.
    public static func isProcessGroupAlive(_ pgid: Int32) -> Bool {
        guard pgid > 1 else { return false }
        return kill(-pgid, 0) == 0 || errno == EPERM
    }
}
