import Foundation
import KanbotsCore
import KanbotsStore

/// The JSON shape of a run on `board --json`, `status --json`, `show --json`
/// (keys are snake_case on output). Documented in docs/json.md.
struct RunJSON: JSONFields {
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
    var replyTo: String?
    var pullRequestNumber: Int?
    var pullRequestURL: String?
    var mergedInto: String?
    /// The open question the run waits on (docs/decisions.md).
    var question: QuestionJSON?
    /// The autopilot session that dispatched the run, if one did.
    var autopilotSession: String?
    /// Where the run was dispatched: the clone (tag in its id) and host.
    var origin: Origin

    struct Origin: JSONFields {
        var clone: String
        var host: String
        /// False for runs that came from another clone by `sync`.
        var thisClone: Bool

        func writeFields<Sink: JSONFieldSink>(to sink: inout Sink) throws {
            try sink.field("clone", clone)
            try sink.field("host", host)
            try sink.field("this_clone", thisClone)
        }
    }

    /// Every key is always present (null when unknown), so consumers can
    /// rely on the shape documented in docs/json.md.
    func writeFields<Sink: JSONFieldSink>(to sink: inout Sink) throws {
        try sink.field("id", id)
        try sink.field("card", card)
        try sink.field("state", state)
        try sink.field("recorded_state", recordedState)
        try sink.field("reason", reason)
        try sink.field("column", column)
        try sink.field("note", note)
        try sink.field("agent", agent)
        try sink.field("model", model)
        try sink.field("persona", persona)
        try sink.field("branch", branch)
        try sink.field("branch_exists", branchExists)
        try sink.field("worktree", worktree)
        try sink.field("base", base)
        try sink.field("base_commit", baseCommit)
        try sink.field("ahead", ahead)
        try sink.field("behind", behind)
        try sink.field("cost_usd", costUSD)
        try sink.field("cap_usd", capUSD)
        try sink.field("turns", turns)
        try sink.field("session_id", sessionID)
        try sink.field("supervisor", supervisor)
        try sink.field("host", host)
        try sink.field("created_at", createdAt)
        try sink.field("started_at", startedAt)
        try sink.field("ended_at", endedAt)
        try sink.field("updated_at", updatedAt)
        try sink.field("rate_limit", rateLimit)
        try sink.field("reply_to", replyTo)
        try sink.field("pr_number", pullRequestNumber)
        try sink.field("pr_url", pullRequestURL)
        try sink.field("merged_into", mergedInto)
        try sink.field("question", question)
        try sink.field("origin", origin)
        try sink.field("autopilot_session", autopilotSession)
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
        replyTo = record.replyTo?.description
        pullRequestNumber = record.pullRequestNumber
        pullRequestURL = record.pullRequestURL
        mergedInto = record.mergedInto
        question = record.openQuestion.map { QuestionJSON($0, decideAfter: record.decideAfter) }
        origin = Origin(clone: record.id.clone.value, host: record.host, thisClone: !view.observation.fromOtherClone)
        autopilotSession = record.extraValue(AutopilotSession.runField)
    }
}

struct BoardCardJSON: JSONFields {
    var number: Int
    var title: String?
    var column: String
    var note: String?
    var latestRun: String?
    var runs: Int
    var costUSD: Double
    var after: [Int]
    var waitsFor: [Int]

    func writeFields<Sink: JSONFieldSink>(to sink: inout Sink) throws {
        try sink.field("number", number)
        try sink.field("title", title)
        try sink.field("column", column)
        try sink.field("note", note)
        try sink.field("latest_run", latestRun)
        try sink.field("runs", runs)
        try sink.field("cost_usd", costUSD)
        try sink.field("after", after)
        try sink.field("waits_for", waitsFor)
    }

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
    var runs: [RunJSONEntry]
    var unreadable: [String]
    var sessions: [SessionJSON] = []

    init(_ snapshot: BoardLoader.Snapshot, runs: [RunJSONEntry]) {
        var columns: [String: [Int]] = [:]
        for column in Column.allCases { columns[column.rawValue] = snapshot.board.cards(in: column).map(\.number) }
        self.columns = columns
        cards = snapshot.board.cards.map(BoardCardJSON.init)
        self.runs = runs
        unreadable = snapshot.unreadable.map(\.description)
    }
}
