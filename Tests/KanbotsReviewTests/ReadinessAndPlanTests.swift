import Foundation
import KanbotsCore
import KanbotsReview
import KanbotsStore
import Testing

/// Readiness and landing plans on a real repository: runs' branches are
/// merged in memory against their base and against each other.
@Suite struct ReadinessAndPlanTests {
    @Test func twoRunsEditingOneLineConflictAndThePlanHoldsOneBackNamingExactlyTheOther() throws {
        let scratch = try ReviewScratch()
        let first = try scratch.completedRun(card: 1, line: 5, text: "first's line 5")
        let second = try scratch.completedRun(card: 2, line: 5, text: "second's line 5")
        // Changes the same file, far from line 5: planned before `second`, it must not be blamed.
        let distant = try scratch.completedRun(card: 3, line: 18, text: "distant line 18")

        let (_, readiness) = try scratch.readiness()
        let firstReadiness = try #require(readiness[first.id])
        let secondReadiness = try #require(readiness[second.id])
        #expect(firstReadiness.verdict == .conflicts)
        #expect(firstReadiness.conflicts == [RunConflict(run: second.id.description, card: 2, paths: [ReviewScratch.file])])
        #expect(secondReadiness.conflicts.map(\.run) == [first.id.description])
        #expect(firstReadiness.conflictGroup?.members.map(\.run).sorted()
            == [first.id.description, second.id.description].sorted())

        let plan = try scratch.plan([first, distant, second])
        #expect(plan.steps.map(\.view.record.id) == [first.id, distant.id])
        let held = try #require(plan.held.first)
        #expect(plan.held.count == 1)
        #expect(held.view.record.id == second.id)
        #expect(held.action == .wait)
        #expect(held.blockedBy == [first.id.description])
        #expect(held.reason.contains("run \(first.id) (card #1)") && !held.reason.contains(distant.id.description))
    }

    @Test func aRunEditingADistantLineIsReady() throws {
        let scratch = try ReviewScratch()
        let near = try scratch.completedRun(card: 1, line: 2, text: "near the top")
        let distant = try scratch.completedRun(card: 2, line: 19, text: "near the bottom")

        let (board, readiness) = try scratch.readiness()
        #expect(try ReviewScratch.view(distant.id, on: board).column == .inReview)
        for run in [near, distant] {
            let verdict = try #require(readiness[run.id])
            #expect(verdict.verdict == .ready, "\(run.id): \(verdict.reasons)")
            #expect(verdict.conflicts.isEmpty && verdict.conflictGroup == nil)
            #expect(verdict.files.map(\.path) == [ReviewScratch.file])
        }
        let plan = try scratch.plan([near, distant])
        #expect(plan.steps.map(\.view.record.id) == [near.id, distant.id])
        #expect(plan.held.isEmpty)
    }

    @Test func aRunBehindItsBaseIsBehindNotConflicting() throws {
        let scratch = try ReviewScratch()
        let run = try scratch.completedRun(card: 1, line: 3, text: "the run's line 3")
        try scratch.advanceMain(line: 17, text: "main's line 17")

        let verdict = try #require(try scratch.readiness().readiness[run.id])
        #expect(verdict.verdict == .behind && verdict.behind == 1)
        #expect(verdict.baseConflicts.isEmpty)
    }

    @Test func attemptsOfOneCardAreNeverConflictsAndOnlyTheFirstLands() throws {
        let scratch = try ReviewScratch()
        let one = try scratch.completedRun(card: 7, line: 5, text: "one attempt")
        let other = try scratch.completedRun(card: 7, line: 5, text: "another attempt")

        let (_, readiness) = try scratch.readiness()
        for run in [one, other] {
            let verdict = try #require(readiness[run.id])
            #expect(verdict.verdict == .ready, "\(run.id): \(verdict.reasons)")
            #expect(verdict.conflicts.isEmpty && verdict.conflictGroup == nil)
        }

        let plan = try scratch.plan([one, other])
        #expect(plan.steps.map(\.view.record.id) == [one.id])
        let held = try #require(plan.held.first)
        #expect(held.view.record.id == other.id)
        #expect(held.action == .superseded)
        #expect(held.blockedBy == [one.id.description])
    }

    @Test func anAttemptOfACardStillConflictsWithOtherCards() throws {
        let scratch = try ReviewScratch()
        let one = try scratch.completedRun(card: 7, line: 5, text: "one attempt")
        let other = try scratch.completedRun(card: 7, line: 5, text: "another attempt")
        let stranger = try scratch.completedRun(card: 8, line: 5, text: "another card")

        let (_, readiness) = try scratch.readiness()
        let strangerReadiness = try #require(readiness[stranger.id])
        #expect(Set(strangerReadiness.conflicts.map(\.run)) == [one.id.description, other.id.description])
        #expect(try #require(readiness[one.id]).conflicts.map(\.run) == [stranger.id.description])
        // One group: the stranger conflicts with both attempts, each attempt with the stranger only.
        let group = try #require(strangerReadiness.conflictGroup)
        #expect(group.conflicts(of: 8).map(\.run).sorted() == [one.id.description, other.id.description].sorted())
        #expect(group.conflicts(of: 7).map(\.run) == [stranger.id.description])
    }
}
