import Foundation
import Testing
@testable import KanbotsCore

@Suite struct BoardProjectionTests {
    let base = String(repeating: "b", count: 40)
    let work = String(repeating: "c", count: 40)

    func record(_ number: Int, card: Int = 1, state: RunState, reason: String? = nil, minute: Int = 0) -> RunRecord {
        var record = RunRecord(
            id: RunID(number: number, clone: CloneTag("abcd")!), card: card, agent: "demo", model: nil,
            branch: "kanbots/issue-\(card)-\(number)-abcd", worktree: ".kanbots/worktrees/x", base: "main",
            baseCommit: base, createdAt: Date(timeIntervalSince1970: TimeInterval(1_800_000_000 + minute * 60)),
            host: "box", uuid: "u")
        record.state = state
        record.reason = reason
        return record
    }

    func observed(tip: String?, ahead: Int? = nil, supervisor: Liveness = .gone) -> RunObservation {
        RunObservation(branchTip: tip, ahead: ahead, behind: ahead == nil ? nil : 0, supervisor: supervisor)
    }

    @Test func activeRunWithLiveSupervisorIsInProgress() {
        let view = BoardProjection.view(of: record(1, state: .running), observed: observed(tip: base, ahead: 0, supervisor: .alive))
        #expect(view.column == .inProgress)
        #expect(view.displayState == "running")
    }

    @Test func activeRunWithDeadSupervisorIsLostNotInProgress() {
        for state in [RunState.queued, .running, .awaitingDecision] {
            let view = BoardProjection.view(of: record(1, state: state), observed: observed(tip: base, supervisor: .gone))
            #expect(view.column != .inProgress)
            #expect(view.isLost)
            #expect(view.displayReason == Reason.supervisorLost)
        }
    }

    @Test func runsOnOtherHostsTrustTheirRecord() {
        let view = BoardProjection.view(of: record(1, state: .running), observed: observed(tip: base, supervisor: .elsewhere))
        #expect(view.column == .inProgress)
    }

    @Test func completedRunsGoByTheirBranch() {
        #expect(BoardProjection.view(of: record(1, state: .completed), observed: observed(tip: work, ahead: 2)).column == .inReview)
        let noDiff = BoardProjection.view(of: record(1, state: .completed), observed: observed(tip: base, ahead: 0))
        #expect(noDiff.column == .todo)
        #expect(noDiff.note?.contains("no changes") == true)
        #expect(BoardProjection.view(of: record(1, state: .completed), observed: observed(tip: work, ahead: 0)).column == .done)
        #expect(BoardProjection.view(of: record(1, state: .completed), observed: observed(tip: nil)).column == .todo)
    }

    @Test func failuresReturnTheCardToTodoWithTheReason() {
        let view = BoardProjection.view(of: record(1, state: .failed, reason: "cost_capped 4.01"), observed: observed(tip: work, ahead: 1))
        #expect(view.column == .todo)
        #expect(view.note?.contains("cost_capped") == true)
        #expect(BoardProjection.view(of: record(1, state: .promoted), observed: observed(tip: work, ahead: 1)).column == .inReview)
        #expect(BoardProjection.view(of: record(1, state: .merged), observed: observed(tip: nil)).column == .done)
    }

    @Test func theLatestRunDecidesTheCard() {
        let cards = [Card(number: 1, title: "One", createdAt: Date()), Card(number: 2, title: "Two", createdAt: Date())]
        let runs = [
            (record(1, card: 1, state: .completed, minute: 0), observed(tip: work, ahead: 1)),
            (record(2, card: 1, state: .running, minute: 5), observed(tip: base, ahead: 0, supervisor: .alive)),
        ]
        let board = BoardProjection.board(cards: cards, runs: runs)
        #expect(board.cards.first { $0.number == 1 }?.column == .inProgress)
        #expect(board.cards.first { $0.number == 1 }?.runCount == 2)
        #expect(board.cards.first { $0.number == 2 }?.column == .todo)
        #expect(board.runs.count == 2)
    }

    @Test func closedAndBacklogCards() {
        var closed = Card(number: 1, title: "Closed", createdAt: Date())
        closed.state = .closed
        var later = Card(number: 2, title: "Later", createdAt: Date())
        later.lane = .backlog
        let board = BoardProjection.board(cards: [closed, later], runs: [])
        #expect(board.cards(in: .done).map(\.number) == [1])
        #expect(board.cards(in: .backlog).map(\.number) == [2])
    }

    @Test func liveCostCountsWhileRunning() {
        var live = LiveStatus()
        live.costUSD = 0.5
        var observation = observed(tip: base, ahead: 0, supervisor: .alive)
        observation.live = live
        let view = BoardProjection.view(of: record(1, state: .running), observed: observation)
        #expect(view.costUSD == 0.5)
    }
}
