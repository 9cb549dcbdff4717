import Foundation
import KanbotsCore
import KanbotsGit
import KanbotsReview
import KanbotsStore
import Testing

/// Landing moves the base branch (and the main checkout's files) and
/// records the run `merged`; the branch never moves on a refusal.
@Suite struct LanderTests {
    @Test func landingAReadyRunFastForwardsTheBaseAndRecordsItMerged() throws {
        let scratch = try ReviewScratch()
        let run = try scratch.completedRun(card: 1, line: 5, text: "landed line 5")
        let tip = try scratch.scratch.git("rev-parse", run.branch)

        let plan = try scratch.plan([run])
        #expect(plan.steps.map(\.view.record.id) == [run.id])
        let outcome = try Lander(scratch.repository).land(plan.steps, check: false)

        #expect(outcome.stopped == nil)
        let landed = try #require(outcome.landed.first)
        #expect(landed.run == run.id && landed.merge.how == "fast-forward")
        #expect(try scratch.scratch.git("rev-parse", "main") == tip)
        let record = try RunStore(scratch.repository).record(run.id)
        #expect(record.state == .merged)
        #expect(record.mergedInto == "main")
        // The main checkout follows its branch and stays clean.
        let content = try String(contentsOfFile: scratch.scratch.path + "/" + ReviewScratch.file, encoding: .utf8)
        #expect(content.contains("landed line 5\n"))
        #expect(try scratch.scratch.git("status", "--porcelain").isEmpty)
        // Landed: the board puts it in Done and readiness leaves it out.
        let (board, readiness) = try scratch.readiness()
        #expect(try ReviewScratch.view(run.id, on: board).column == .done)
        #expect(readiness[run.id] == nil)
    }

    @Test func landingARunBehindItsBaseMakesAMergeCommit() throws {
        let scratch = try ReviewScratch()
        let run = try scratch.completedRun(card: 1, line: 3, text: "the run's line 3")
        try scratch.advanceMain(line: 17, text: "main's line 17")
        let mainBefore = try scratch.scratch.git("rev-parse", "main")

        let plan = try scratch.plan([run])
        let outcome = try Lander(scratch.repository).land(plan.steps, check: false)

        let landed = try #require(outcome.landed.first)
        #expect(landed.merge.how == "merge commit")
        let parents = try scratch.scratch.git("rev-list", "--parents", "-n", "1", "main").split(separator: " ").dropFirst()
        #expect(parents.map(String.init) == [mainBefore, try scratch.scratch.git("rev-parse", run.branch)])
        let content = try String(contentsOfFile: scratch.scratch.path + "/" + ReviewScratch.file, encoding: .utf8)
        #expect(content.contains("the run's line 3\n") && content.contains("main's line 17\n"))
        #expect(try RunStore(scratch.repository).record(run.id).state == .merged)
    }

    @Test func landingOneAttemptSupersedesTheOthersOfItsCard() throws {
        let scratch = try ReviewScratch()
        let chosen = try scratch.completedRun(card: 4, line: 5, text: "chosen attempt")
        let other = try scratch.completedRun(card: 4, line: 5, text: "other attempt")

        let plan = try scratch.plan([chosen, other])
        let outcome = try Lander(scratch.repository).land(plan.steps, check: false)

        #expect(outcome.landed.map(\.run) == [chosen.id])
        #expect(outcome.landed.first?.superseded == [other.id])
        let record = try RunStore(scratch.repository).record(other.id)
        #expect(record.state == .superseded && record.supersededBy == chosen.id.description)
        // Kept: its branch is still there.
        #expect(try scratch.scratch.git("rev-parse", "--verify", "-q", other.branch).count == 40)
    }

    @Test func uncommittedChangesInTheMainCheckoutStopTheLandingWithNothingMoved() throws {
        let scratch = try ReviewScratch()
        let run = try scratch.completedRun(card: 1, line: 5, text: "landed line 5")
        let mainBefore = try scratch.scratch.git("rev-parse", "main")
        let plan = try scratch.plan([run])
        try scratch.scratch.write("edited by hand\n", to: "README")

        #expect(throws: KanbotsError.self) { try Lander(scratch.repository).land(plan.steps, check: false) }
        #expect(try scratch.scratch.git("rev-parse", "main") == mainBefore)
        #expect(try RunStore(scratch.repository).record(run.id).state == .completed)
    }

    @Test func aBranchThatMovedSinceReviewIsNotLanded() throws {
        let scratch = try ReviewScratch()
        let run = try scratch.completedRun(card: 1, line: 5, text: "reviewed line 5")
        let mainBefore = try scratch.scratch.git("rev-parse", "main")
        let plan = try scratch.plan([run])
        var lines = ReviewScratch.lines
        lines[5] = "written after the review"
        try scratch.commit(lines, on: "moved-meanwhile", from: run.branch, message: "after review")
        try scratch.scratch.git("branch", "-f", run.branch, "moved-meanwhile")

        let outcome = try Lander(scratch.repository).land(plan.steps, check: false)
        #expect(outcome.landed.isEmpty)
        #expect(outcome.stopped?.run == run.id)
        #expect(outcome.stopped?.reason.contains("its branch moved since it was reviewed") == true)
        #expect(try scratch.scratch.git("rev-parse", "main") == mainBefore)
    }
}
