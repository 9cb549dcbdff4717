import Foundation
import KanbotsCore
import KanbotsRuns
import KanbotsStore
import Testing

/// Stopping a run that has no live supervisor: the stopper records the
/// ending itself, at once, instead of waiting for a supervisor to do it.
@Suite struct StopperTests {
    @Test func stoppingARunWithNoLiveSupervisorRecordsItCancelledStoppedByUser() throws {
        let scratch = try LifecycleScratch()
        let run = try scratch.record(.running) { $0.supervisorPID = try? LifecycleScratch.deadProcessID() }

        let started = Date()
        let stopped = try Stopper(repository: scratch.repository).stop(run, timeout: 10)

        #expect(Date().timeIntervalSince(started) < 5, "it waited for a supervisor that is not there")
        #expect(stopped.state == .cancelled && stopped.reason == Reason.stoppedByUser)
        #expect(stopped.endedAt != nil)
        let record = try scratch.current(run.id)
        #expect(record.state == .cancelled && record.reason == Reason.stoppedByUser)
    }

    @Test func stoppingAQueuedRunWhoseDispatchIsGoneDoesNotWaitForIt() throws {
        let scratch = try LifecycleScratch()
        let run = try scratch.record(.queued) { $0.setExtra(RunRecord.dispatchLockKey, "dispatch-gone.lock") }

        let started = Date()
        let stopped = try Stopper(repository: scratch.repository).stop(run, timeout: 10)

        #expect(Date().timeIntervalSince(started) < 5)
        #expect(stopped.state == .cancelled && stopped.reason == Reason.stoppedByUser)
    }

    @Test func stoppingAFinishedRunChangesNothing() throws {
        let scratch = try LifecycleScratch()
        let run = try scratch.record(.completed)
        let historyBefore = try RunStore(scratch.repository).history(run.id).count

        let stopped = try Stopper(repository: scratch.repository).stop(run, timeout: 1)

        #expect(stopped.state == .completed && stopped.reason == nil)
        #expect(try RunStore(scratch.repository).history(run.id).count == historyBefore)
    }
}
