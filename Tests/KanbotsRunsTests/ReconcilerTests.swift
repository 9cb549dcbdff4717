import Foundation
import KanbotsCore
import KanbotsRuns
import KanbotsStore
import Testing

/// What the reconciler records for runs whose supervisor is gone, and what
/// it leaves alone: a held lock, not a stored pid, says a supervisor lives.
@Suite struct ReconcilerTests {
    @Test func aRunningRecordWhoseSupervisorLockIsFreeIsRecordedFailedSupervisorLost() throws {
        let scratch = try LifecycleScratch()
        let dead = try LifecycleScratch.deadProcessID()
        let run = try scratch.record(.running) { $0.supervisorPID = dead }

        let outcomes = try Reconciler(scratch.repository).reconcile(adoptingOrphans: false)

        #expect(outcomes.map(\.id) == [run.id])
        #expect(outcomes.first?.state == .failed && outcomes.first?.reason == Reason.supervisorLost)
        #expect(outcomes.first?.orphanedAgentPID == nil)
        let record = try scratch.current(run.id)
        #expect(record.state == .failed && record.reason == Reason.supervisorLost)
        #expect(record.endedAt != nil)
        // Recorded once: a second pass finds nothing to do.
        #expect(try Reconciler(scratch.repository).reconcile(adoptingOrphans: false).isEmpty)
        #expect(try RunStore(scratch.repository).history(run.id).count == 3)
    }

    @Test func aRunningRecordWhoseSupervisorHoldsItsLockIsLeftAloneUntilTheLockIsFree() throws {
        let scratch = try LifecycleScratch()
        // The stored pid is dead, but the lock is held: the lock wins.
        let run = try scratch.record(.running) { $0.supervisorPID = try? LifecycleScratch.deadProcessID() }
        let supervisor = try scratch.hold(scratch.repository.supervisorLockPath(run.id))

        #expect(try Reconciler(scratch.repository).reconcile(adoptingOrphans: false).isEmpty)
        #expect(try scratch.current(run.id).state == .running)

        supervisor.unlock()
        #expect(try Reconciler(scratch.repository).reconcile(adoptingOrphans: false).map(\.id) == [run.id])
        #expect(try scratch.current(run.id).state == .failed)
    }

    @Test func aQueuedRecordWhosePendingDispatchLockIsHeldIsLeftAlone() throws {
        let scratch = try LifecycleScratch()
        let pending = "dispatch-\(UUID().uuidString).lock"
        let run = try scratch.record(.queued) { $0.setExtra(RunRecord.dispatchLockKey, pending) }
        let dispatch = try scratch.hold(scratch.repository.stateDirectory + "/" + pending)

        #expect(try Reconciler(scratch.repository).reconcile(adoptingOrphans: false).isEmpty)
        let record = try scratch.current(run.id)
        #expect(record.state == .queued && record.reason == nil)

        // The dispatch died before any supervisor recorded itself: interrupted, not lost.
        dispatch.unlock()
        let outcomes = try Reconciler(scratch.repository).reconcile(adoptingOrphans: false)
        #expect(outcomes.map(\.reason) == [Reason.dispatchInterrupted])
        #expect(try scratch.current(run.id).reason == Reason.dispatchInterrupted)
    }

    @Test func runsSupervisedElsewhereAreLeftAlone() throws {
        let scratch = try LifecycleScratch()
        let onAnotherHost = try scratch.record(.running) { $0.host = "another-host.invalid" }
        let otherClone = try #require(CloneTag(scratch.clone.value == "zzzz" ? "yyyy" : "zzzz"))
        let base = scratch.base
        let fromAnotherClone = try RunStore(scratch.repository).create(clone: otherClone) { id in
            RunRecord(id: id, card: 2, agent: "demo", model: nil, branch: RunRecord.branchName(card: 2, id: id),
                      worktree: ".kanbots/worktrees/" + RunRecord.worktreeName(card: 2, id: id), base: "main",
                      baseCommit: base, createdAt: Date(), host: KanbotsRepository.hostName, uuid: "other-clone")
        }

        #expect(try Reconciler(scratch.repository).reconcile(adoptingOrphans: false).isEmpty)
        #expect(try scratch.current(onAnotherHost.id).state == .running)
        #expect(try scratch.current(fromAnotherClone.id).state == .queued)
    }

    @Test func theReconciledBoardShowsTheLostRunFailed() throws {
        let scratch = try LifecycleScratch()
        let run = try scratch.record(.running) { $0.supervisorPID = try? LifecycleScratch.deadProcessID() }
        let before = try BoardLoader(scratch.repository).load().board
        #expect(before.runs.first?.isLost == true)

        let after = try Reconciler(scratch.repository).reconciledSnapshot().board
        let view = try #require(after.runs.first { $0.record.id == run.id })
        #expect(!view.isLost && view.record.state == .failed && view.displayReason == Reason.supervisorLost)
    }
}
