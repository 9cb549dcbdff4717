import Foundation
import KanbotsAutopilot
import KanbotsCore
import Testing

/// What the orchestrator dispatches next, from a board built in memory.
@Suite struct PlannerTests {
    /// A `WorkItem`'s fields (its initializer is internal to KanbotsAutopilot).
    struct Dispatch: Equatable, CustomStringConvertible {
        var card: Int
        var persona: String
        var base: String? = nil
        var reviewOf: RunID? = nil

        var description: String { "card \(card) by \(persona)" + (reviewOf.map { ", reviewing \($0)" } ?? "") }
    }

    static func next(_ fixture: BoardFixture, _ session: AutopilotSession = BoardFixture.autopilot()) -> Dispatch? {
        Planner.next(session: session, board: fixture.board, tally: fixture.tally()).map {
            Dispatch(card: $0.card, persona: $0.persona, base: $0.base, reviewOf: $0.reviewOf)
        }
    }

    @Test func todoCardsGoInRankOrderWithUnrankedCardsLastByNumber() {
        var fixture = BoardFixture()
        fixture.card(1, rank: 3)
        fixture.card(2, rank: 1)
        fixture.card(5)
        fixture.card(3)
        fixture.card(4, rank: 2)

        let eligible = Planner.eligibleCards(session: BoardFixture.autopilot(), board: fixture.board)
        #expect(eligible.map(\.number) == [2, 4, 1, 3, 5])
        #expect(Self.next(fixture) == Dispatch(card: 2, persona: "engineer"))
    }

    @Test func aCardThisSessionAlreadyRanIsNotTakenAgainUnlessItsDispatchWasCutShort() {
        var fixture = BoardFixture()
        fixture.card(1, rank: 1)
        fixture.card(2, rank: 2)
        // A failed run leaves its card in Todo, but the session does not retry it.
        fixture.run(card: 1, .failed, ended: 1)
        #expect(Self.next(fixture)?.card == 2)

        var interrupted = BoardFixture()
        interrupted.card(1, rank: 1)
        interrupted.card(2, rank: 2)
        interrupted.run(card: 1, .failed, reason: Reason.dispatchInterrupted, ended: 1)
        #expect(Self.next(interrupted)?.card == 1)
    }

    @Test func aCardWaitsUntilItsDependenciesAreDone() {
        var waiting = BoardFixture()
        waiting.card(1, rank: 1, after: [2])
        waiting.card(2, rank: 2)
        #expect(Planner.eligibleCards(session: BoardFixture.autopilot(), board: waiting.board).map(\.number) == [2])
        #expect(Self.next(waiting)?.card == 2)

        var released = BoardFixture()
        released.card(1, rank: 1, after: [2])
        released.card(2, rank: 2)
        released.run(card: 2, .merged, session: nil, ended: 1)
        #expect(Self.next(released)?.card == 1)
    }

    @Test func aDependencyInReviewReleasesACardOnlyWhenTheSessionSaysSo() {
        var fixture = BoardFixture()
        fixture.card(1, rank: 1, after: [2])
        fixture.card(2, rank: 2)
        // Card 2's run finished with commits: In review.
        fixture.run(card: 2, .completed, session: nil, ended: 1, ahead: 1)
        #expect(fixture.board.cards.first { $0.number == 2 }?.column == .inReview)

        #expect(Self.next(fixture) == nil)
        #expect(Self.next(fixture, BoardFixture.autopilot(afterInReview: true))?.card == 1)
    }

    @Test func aReviewerFollowsAnEngineerWhoseRunHasCommits() throws {
        var fixture = BoardFixture()
        fixture.card(1, rank: 1)
        fixture.card(2, rank: 2)
        let engineer = fixture.run(card: 1, .completed, ended: 1, ahead: 2)
        let branch = try #require(fixture.runs.first?.0.branch)

        let withReviewer = BoardFixture.autopilot(personas: ["engineer", Planner.reviewer])
        #expect(Self.next(fixture, withReviewer)
            == Dispatch(card: 1, persona: Planner.reviewer, base: branch, reviewOf: engineer))
        // Without a reviewer among the personas, the next card goes instead.
        #expect(Self.next(fixture)?.card == 2)

        // Once the review is dispatched, it is not sent again.
        fixture.run(card: 1, .running, persona: Planner.reviewer, reviewOf: engineer, liveCost: 0.1)
        #expect(Self.next(fixture, withReviewer) == Dispatch(card: 2, persona: "engineer"))
    }

    @Test func noReviewerForAnEngineerRunWithoutCommits() {
        var fixture = BoardFixture()
        fixture.card(2, rank: 1)
        fixture.run(card: 1, .completed, ended: 1, ahead: 0)
        let withReviewer = BoardFixture.autopilot(personas: ["engineer", Planner.reviewer])
        #expect(Self.next(fixture, withReviewer) == Dispatch(card: 2, persona: "engineer"))
    }

    @Test func cardPersonasTakeCardsInTurnAndReviewsDoNotCount() {
        var fixture = BoardFixture()
        fixture.card(1, rank: 1)
        fixture.card(2, rank: 2)
        fixture.card(3, rank: 3)
        let session = BoardFixture.autopilot(personas: ["engineer", "designer", Planner.reviewer])
        fixture.run(card: 1, .failed, ended: 1)
        // A review run of card 1 does not advance the turn.
        fixture.run(card: 1, .failed, persona: Planner.reviewer, ended: 2, reviewOf: RunID(number: 1, clone: CloneTag("abcd")!))
        #expect(Self.next(fixture, session) == Dispatch(card: 2, persona: "designer"))
    }

    @Test func aCardWhoseScopeOverlapsAnActiveRunWaitsForIt() {
        var fixture = BoardFixture()
        fixture.card(1, rank: 1, scope: ["Sources/App/**"])
        fixture.card(2, rank: 2, scope: ["docs/**"])
        fixture.card(3, scope: ["Sources/**"])
        // A run of card 3 outside this session is active in Sources/.
        fixture.run(card: 3, .running, session: nil, liveCost: 0.1)

        #expect(Self.next(fixture)?.card == 2)
        #expect(Planner.waitingForScope(session: BoardFixture.autopilot(), board: fixture.board, tally: fixture.tally()) == 1)
    }

    @Test func aCardsAttemptsStartBeforeTheNextCardWithTheAgentsInTurnUntilOneLands() throws {
        var session = BoardFixture.autopilot()
        session.attempts = 3
        session.agent = "claude,codex"
        var fixture = BoardFixture()
        fixture.card(1, rank: 1)
        fixture.card(2, rank: 2)
        let first = try #require(Planner.next(session: session, board: fixture.board, tally: fixture.tally()))
        #expect(first.card == 1 && first.agent == "claude" && first.attempt == 0)

        fixture.run(card: 1, .running, liveCost: 0.1)
        let second = try #require(Planner.next(session: session, board: fixture.board, tally: fixture.tally()))
        #expect(second.card == 1 && second.agent == "codex" && second.attempt == 1)
        // A rebase run of the card is not an attempt asked for.
        var rebase = fixture
        rebase.run(card: 1, .running, liveCost: 0.1)
        let runs = rebase.runs.count
        rebase.runs[runs - 1].0.setExtra(RunRecord.AttemptKey.rebaseOf, "1-abcd")
        #expect(Planner.next(session: session, board: rebase.board, tally: rebase.tally())?.attempt == 1)

        fixture.run(card: 1, .running, liveCost: 0.1)
        let third = try #require(Planner.next(session: session, board: fixture.board, tally: fixture.tally()))
        #expect(third.card == 1 && third.agent == "claude" && third.attempt == 2)
        fixture.run(card: 1, .running, liveCost: 0.1)
        #expect(Planner.next(session: session, board: fixture.board, tally: fixture.tally())?.card == 2)

        // Once an attempt landed, the card gets no more.
        var landed = BoardFixture()
        landed.card(1, rank: 1)
        landed.run(card: 1, .merged, ended: 1)
        #expect(Planner.next(session: session, board: landed.board, tally: landed.tally()) == nil)
    }
}
