import Foundation
import KanbotsAutopilot
import KanbotsCore

/// Boards built in memory for the planner, the way `BoardLoader` builds
/// them: records and observations through `BoardProjection`, so each run's
/// column and display state are the real ones.
struct BoardFixture {
    static let session = "20261205-010000-test"
    static let start = Date(timeIntervalSince1970: 1_800_000_000)

    var cards: [Card] = []
    var runs: [(RunRecord, RunObservation)] = []
    private var nextNumber = 1

    /// A Todo card; `rank` is the user's order (lower first), `after` its dependencies.
    mutating func card(_ number: Int, rank: Int? = nil, after: [Int] = [], scope: [String] = []) {
        var card = Card(number: number, title: "card \(number)", createdAt: Self.start)
        card.rank = rank
        card.after = after
        card.scope = scope
        cards.append(card)
    }

    /// A run of `card`, in this session unless told otherwise. `ended` is in
    /// minutes after the fixture's start, for finished runs' order.
    @discardableResult
    mutating func run(
        card: Int, _ state: RunState, reason: String? = nil, cost: Double = 0, persona: String? = nil,
        session: String? = BoardFixture.session, ended: Double? = nil, reviewOf: RunID? = nil,
        supervisor: Liveness? = nil, liveCost: Double? = nil, agentAlive: Bool = false, ahead: Int = 0
    ) -> RunID {
        let id = RunID(number: nextNumber, clone: CloneTag("abcd")!)
        let created = Self.start.addingTimeInterval(Double(nextNumber))
        nextNumber += 1
        var record = RunRecord(
            id: id, card: card, agent: "demo", model: nil, branch: RunRecord.branchName(card: card, id: id),
            worktree: ".kanbots/worktrees/" + RunRecord.worktreeName(card: card, id: id), base: "main",
            baseCommit: String(repeating: "a", count: 40), createdAt: created, host: "test-host", uuid: "uuid-\(id)")
        record.state = state
        record.reason = reason
        record.costUSD = cost
        record.persona = persona
        record.endedAt = ended.map { Self.start.addingTimeInterval($0 * 60) }
        if let session { record.setExtra(AutopilotSession.runField, session) }
        if let reviewOf { record.setExtra(AutopilotSession.reviewOfField, reviewOf.description) }
        let hasBranch = state != .discarded
        var observation = RunObservation(
            branchTip: hasBranch ? String(repeating: "b", count: 40) : nil, ahead: ahead, behind: 0,
            supervisor: supervisor ?? (state.isActive ? .alive : .gone))
        if let liveCost {
            var live = LiveStatus()
            live.costUSD = liveCost
            observation.live = live
        }
        observation.agentAlive = agentAlive
        runs.append((record, observation))
        return id
    }

    var board: Board { BoardProjection.board(cards: cards, runs: runs) }

    func tally() -> SessionTally { SessionTally(session: Self.session, board: board) }

    static func autopilot(personas: [String] = ["engineer"], afterInReview: Bool = false) -> AutopilotSession {
        var session = AutopilotSession(id: Self.session, parallel: 2, budgetUSD: 20, runCapUSD: 5,
                                       personas: personas, createdAt: start, host: "test-host")
        session.afterInReview = afterInReview
        return session
    }
}
