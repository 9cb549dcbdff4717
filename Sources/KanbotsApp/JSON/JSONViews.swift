import Foundation
import KanbotsCore
import KanbotsReview
import KanbotsStore

/// The JSON shape of a run on `board --json`, `status --json`, `show --json`
/// (keys are snake_case on output). Documented in docs/json.md.
public struct RunJSON: JSONFields {
    public var id: String
    public var card: Int
    public var state: String
    /// Null for a run known only from its branch (`orphaned`).
    public var recordedState: String?
    public var reason: String?
    public var column: String
    public var note: String?
    public var agent: String
    public var model: String?
    public var persona: String?
    public var branch: String
    public var branchExists: Bool
    public var worktree: String
    public var base: String
    public var baseCommit: String
    public var ahead: Int?
    public var behind: Int?
    public var costUSD: Double
    public var capUSD: Double?
    public var metered: Bool
    public var maxTimeSeconds: Int?
    public var turns: Int?
    public var sessionID: String?
    public var supervisor: String
    public var host: String
    public var createdAt: Date
    public var startedAt: Date?
    public var endedAt: Date?
    public var updatedAt: Date
    public var rateLimit: LiveStatus.RateLimit?
    public var replyTo: String?
    public var pullRequestNumber: Int?
    public var pullRequestURL: String?
    public var mergedInto: String?
    /// The open question the run waits on (docs/decisions.md).
    public var question: QuestionJSON?
    /// The autopilot session that dispatched the run, if one did.
    public var autopilotSession: String?
    /// Why the agent failed (its last stderr line) and the fix, when known.
    public var agentError: String?
    public var agentErrorFix: String?
    /// Where the run was dispatched: the clone (tag in its id) and host.
    public var origin: Origin
    /// The last recorded checks, whether the agent ran the tests, and the
    /// paths it wrote outside its card's scope (docs/review.md).
    public var checks: ChecksJSON?
    public var agentTested: String?
    public var scopeViolations: [String]
    /// Review's verdict for runs In progress or In review with commits (docs/review.md).
    public var readiness: ReadinessJSON?
    /// Its ports, included files, setup and services (docs/environment.md).
    public var environment: EnvironmentJSON?

    public struct Origin: JSONFields {
        public var clone: String
        public var host: String
        /// False for runs that came from another clone by `sync`.
        public var thisClone: Bool

        public func writeFields<Sink: JSONFieldSink>(to sink: inout Sink) throws {
            try sink.field("clone", clone)
            try sink.field("host", host)
            try sink.field("this_clone", thisClone)
        }
    }

    /// Every key is always present (null when unknown), so consumers can
    /// rely on the shape documented in docs/json.md.
    public func writeFields<Sink: JSONFieldSink>(to sink: inout Sink) throws {
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
        try sink.field("metered", metered)
        try sink.field("max_time_seconds", maxTimeSeconds)
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
        try sink.field("agent_error", agentError)
        try sink.field("agent_error_fix", agentErrorFix)
        try sink.field("checks", checks)
        try sink.field("agent_tested", agentTested)
        try sink.field("scope_violations", scopeViolations)
        try sink.field("readiness", readiness)
        try sink.field("environment", environment)
    }

    public init(_ view: RunView) {
        let record = view.record
        id = record.id.description
        card = record.card
        state = view.displayState
        recordedState = view.observation.isOrphaned ? nil : record.state.rawValue
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
        metered = record.isMetered
        maxTimeSeconds = record.maxTime?.limit.map { Int($0) }
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
        agentError = record.agentError
        agentErrorFix = record.agentErrorFix
        checks = record.checks.map(ChecksJSON.init)
        agentTested = record.agentTested?.rawValue
        scopeViolations = record.scopeViolations
        environment = EnvironmentJSON(record)
    }
}

public struct BoardCardJSON: JSONFields {
    public var number: Int
    public var title: String?
    public var column: String
    public var note: String?
    public var latestRun: String?
    public var runs: Int
    public var costUSD: Double
    public var after: [Int]
    public var waitsFor: [Int]

    public func writeFields<Sink: JSONFieldSink>(to sink: inout Sink) throws {
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

    public init(_ entry: BoardCard) {
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

public struct BoardJSON: Encodable {
    public var columns: [String: [Int]]
    public var cards: [BoardCardJSON]
    /// Every run; settled ones as text kept in the run snapshot (`RunJSONEntry`).
    public var runs: [RunJSONEntry]
    public var unreadable: [String]
    public var sessions: [SessionJSON] = []
    /// The conflict groups the runs' `readiness.conflict_group` refer to.
    public var conflictGroups: [ConflictGroupJSON] = []

    public init(_ snapshot: BoardLoader.Snapshot, runs: [RunJSONEntry]) {
        var columns: [String: [Int]] = [:]
        for column in Column.allCases { columns[column.rawValue] = snapshot.board.cards(in: column).map(\.number) }
        self.columns = columns
        cards = snapshot.board.cards.map(BoardCardJSON.init)
        self.runs = runs
        unreadable = snapshot.unreadable.map(\.description)
    }
}
