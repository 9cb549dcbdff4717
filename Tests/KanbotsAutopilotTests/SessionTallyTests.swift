import Foundation
import KanbotsAutopilot
import KanbotsCore
import Testing

/// The figures that drive a session, from a board built in memory.
@Suite struct SessionTallyTests {
    @Test func liveSpendSumsFinishedRunsAndTheMetersOfRunningOnes() {
        var fixture = BoardFixture()
        fixture.run(card: 1, .completed, cost: 1.5, ended: 1)
        fixture.run(card: 2, .failed, cost: 0.5, ended: 2)
        // Running: the supervisor's meter (0.75) is ahead of the recorded figure (0.25).
        fixture.run(card: 3, .running, cost: 0.25, liveCost: 0.75)
        // Another session's run counts for nothing here.
        fixture.run(card: 4, .completed, cost: 10, session: "another-session", ended: 3)

        let tally = fixture.tally()
        #expect(tally.runs.count == 3)
        #expect(abs(tally.spentUSD - 2.75) < 1e-9, "spent \(tally.spentUSD)")
        #expect(tally.completed == 1 && tally.failed == 1)
        #expect(tally.active.map(\.record.card) == [3])
    }

    @Test func aRunAwaitingADecisionIsActiveButDoesNotOccupyASlot() {
        var fixture = BoardFixture()
        fixture.run(card: 1, .running, liveCost: 0.1)
        fixture.run(card: 2, .awaitingDecision, liveCost: 0.1)

        let tally = fixture.tally()
        #expect(tally.active.count == 2)
        #expect(tally.awaitingDecision == 1)
        #expect(tally.occupyingSlots == 1)
    }

    @Test func aLostRunStaysActiveOnlyWhileItsAgentRuns() {
        var fixture = BoardFixture()
        let deadAgent = fixture.run(card: 1, .running, supervisor: .gone)
        let liveAgent = fixture.run(card: 2, .running, supervisor: .gone, agentAlive: true)

        let tally = fixture.tally()
        #expect(tally.runs.allSatisfy { $0.isLost })
        #expect(tally.active.map(\.record.id) == [liveAgent])
        #expect(!tally.active.map(\.record.id).contains(deadAgent))
        #expect(tally.occupyingSlots == 1)
    }

    @Test func trailingFailuresCountTheNewestUnbrokenStreakByEndTime() {
        var fixture = BoardFixture()
        fixture.run(card: 1, .failed, ended: 1)
        fixture.run(card: 2, .completed, ended: 2)
        fixture.run(card: 3, .failed, ended: 3)
        fixture.run(card: 4, .failed, ended: 4)
        // Discarded runs are left out of the streak, neither breaking nor extending it.
        fixture.run(card: 5, .discarded, ended: 5)
        // Dispatched last but ended first: ordered by its end, it breaks nothing.
        fixture.run(card: 6, .completed, ended: 0.5)

        let tally = fixture.tally()
        #expect(tally.failed == 3)
        #expect(tally.trailingFailures == 2)
    }

    @Test func aRunEndingWellAfterTheFailuresResetsTheStreak() {
        var fixture = BoardFixture()
        fixture.run(card: 1, .failed, ended: 1)
        fixture.run(card: 2, .failed, ended: 2)
        fixture.run(card: 3, .cancelled, reason: Reason.stoppedByUser, ended: 3)
        #expect(fixture.tally().trailingFailures == 0)
    }
}
