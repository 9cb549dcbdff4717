import Foundation
import KanbotsCore
import KanbotsStore

/// The JSON shape of a run on `board --json`, `status --json`, `show --json`
/// (keys are snake_case on output). Documented in docs/cli.md.
struct RunJSON: Encodable {
    var id: String
    var card: Int
    var state: String
    var recordedState: String
    var reason: String?
    var column: String
    var note: String?
    var agent: String
    var model: String?
    var persona: String?
    var branch: String
    var branchExists: Bool
    var worktree: String
    var base: String
    var baseCommit: String
    var ahead: Int?
    var behind: Int?
    var costUSD: Double
    var capUSD: Double?
    var turns: Int?
    var sessionID: String?
    var supervisor: String
    var host: String
    var createdAt: Date
    var startedAt: Date?
    var endedAt: Date?
    var updatedAt: Date
    var rateLimit: LiveStatus.RateLimit?
    /// The autopilot session that dispatched the run, if one did.
    var autopilotSession: String?

    enum CodingKeys: String, CodingKey {
        case id, card, state, recordedState, reason, column, note, agent, model, persona, branch, branchExists, worktree, base, baseCommit, ahead, behind, costUSD, capUSD, turns, sessionID, supervisor, host, createdAt, startedAt, endedAt, updatedAt, rateLimit
        case autopilotSession
    }

    /// Every key is always present (null when unknown), so consumers can
    /// rely on the shape documented in docs/cli.md.
    func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(card, forKey: .card)
        try container.encode(state, forKey: .state)
        try container.encode(recordedState, forKey: .recordedState)
        try container.encode(reason, forKey: .reason)
        try container.encode(column, forKey: .column)
        try container.encode(note, forKey: .note)
        try container.encode(agent, forKey: .agent)
        try container.encode(model, forKey: .model)
        try container.encode(persona, forKey: .persona)
        try container.encode(branch, forKey: .branch)
        try container.encode(branchExists, forKey: .branchExists)
        try container.encode(worktree, forKey: .worktree)
        try container.encode(base, forKey: .base)
        try container.encode(baseCommit, forKey: .baseCommit)
        try container.encode(ahead, forKey: .ahead)
        try container.encode(behind, forKey: .behind)
        try container.encode(costUSD, forKey: .costUSD)
        try container.encode(capUSD, forKey: .capUSD)
        try container.encode(turns, forKey: .turns)
        try container.encode(sessionID, forKey: .sessionID)
        try container.encode(supervisor, forKey: .supervisor)
        try container.encode(host, forKey: .host)
        try container.encode(createdAt, forKey: .createdAt)
        try container.encode(startedAt, forKey: .startedAt)
        try container.encode(endedAt, forKey: .endedAt)
        try container.encode(updatedAt, forKey: .updatedAt)
        try container.encode(rateLimit, forKey: .rateLimit)
        try container.encode(autopilotSession, forKey: .autopilotSession)
    }

    init(_ view: RunView) {
        let record = view.record
        id = record.id.description
        card = record.card
        state = view.displayState
        recordedState = record.state.rawValue
        reason = view.displayReason
        column = view.column.rawValue
        note = view.note
        agent = record.agent
        model = record.model ?? view.observation.live?.model
        persona = record.persona
        branch = record.branch
        branchExists = view.observation.branchTip != nil
        worktree = record.worktree
        base = record.base
        baseCommit = record.baseCommit
        ahead = view.observation.ahead
        behind = view.observation.behind
        costUSD = view.costUSD
        capUSD = record.capUSD
        turns = record.turns ?? view.observation.live?.turns
        sessionID = record.sessionID ?? view.observation.live?.sessionID
        supervisor = view.observation.supervisor.rawValue
        host = record.host
        createdAt = record.createdAt
        startedAt = record.startedAt
        endedAt = record.endedAt
        updatedAt = record.updatedAt
        rateLimit = view.observation.live?.rateLimit
        autopilotSession = record.extraValue(AutopilotSession.runField)
    }
}

struct BoardCardJSON: Encodable {
    var number: Int
    var title: String?
    var column: String
    var note: String?
    var latestRun: String?
    var runs: Int
    var costUSD: Double
    var after: [Int]
    var waitsFor: [Int]

    init(_ entry: BoardCard) {
        number = entry.number
        title = entry.card?.title
        column = entry.column.rawValue
        note = entry.note
        latestRun = entry.latestRun?.record.id.description
        runs = entry.runCount
        costUSD = entry.totalCostUSD
        after = entry.card?.after ?? []
        waitsFor = entry.waitsFor
    }
}

struct BoardJSON: Encodable {
    var columns: [String: [Int]]
    var cards: [BoardCardJSON]
    var runs: [RunJSON]
    var unreadable: [String]
    var sessions: [SessionJSON] = []

    init(_ snapshot: BoardLoader.Snapshot) {
        var columns: [String: [Int]] = [:]
        for column in Column.allCases { columns[column.rawValue] = snapshot.board.cards(in: column).map(\.number) }
        self.columns = columns
        cards = snapshot.board.cards.map(BoardCardJSON.init)
        runs = snapshot.board.runs.map(RunJSON.init)
        unreadable = snapshot.unreadable.map(\.description)
    }
}
