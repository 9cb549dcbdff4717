/// Everything recorded about one run, as of its latest transition.
///
/// Stored as the message of the tip commit of `refs/kanbots/runs/<id>`;
/// each earlier commit on that ref is an earlier transition.
public struct RunRecord: Sendable, Equatable {
    public var id: RunID
    public var card: Int
    public var state: RunState
    public var reason: String?
    public var agent: String
    public var model: String?
    public var persona: String?
    /// Branch name without `refs/heads/`, e.g. `kanbots/issue-42-7-k3qz`.
    public var branch: String
    /// Worktree folder relative to the main working tree.
    public var worktree: String
    /// The base as the user named it (`main`), and the commit it meant then.
    public var base: String
    public var baseCommit: String
    public var createdAt: Date
    public var startedAt: Date?
    public var endedAt: Date?
    /// When this record was written (the transition's time).
    public var updatedAt: Date
    public var costUSD: Double
    public var capUSD: Double?
    public var turns: Int?
    public var sessionID: String?
    public var supervisorPID: Int32?
    public var agentPID: Int32?
    /// The machine the supervisor runs on: liveness can only be probed there.
    public var host: String
    /// Random per run, so two records claiming one id are told apart.
    public var uuid: String
    public var replyTo: RunID?
    /// Fields this version does not know, kept verbatim on rewrite.
    public var extra: [Field]

    public struct Field: Sendable, Equatable {
        public var key: String
        public var value: String
        public init(key: String, value: String) { self.key = key; self.value = value }
    }

    public init(
        id: RunID, card: Int, agent: String, model: String?, branch: String, worktree: String,
        base: String, baseCommit: String, createdAt: Date, host: String, uuid: String
    ) {
        self.id = id
        self.card = card
        state = .queued
        self.agent = agent
        self.model = model
        self.branch = branch
        self.worktree = worktree
        self.base = base
        self.baseCommit = baseCommit
        self.createdAt = createdAt
        updatedAt = createdAt
        costUSD = 0
        self.host = host
        self.uuid = uuid
        extra = []
    }

    /// Names derived from the run id: the heart of "one run, one worktree,
    /// one branch".
    public static func branchName(card: Int, id: RunID) -> String { "kanbots/\(worktreeName(card: card, id: id))" }
    public static func worktreeName(card: Int, id: RunID) -> String { "issue-\(card)-\(id)" }

    /// The card and run a run's branch name (`kanbots/issue-42-7-k3qz`) or
    /// worktree name (`issue-42-7-k3qz`) stands for: how a branch whose
    /// record is lost is still traced to its run.
    public static func parseName(_ name: String) -> (card: Int, id: RunID)? {
        let worktreeName = name.hasPrefix("kanbots/") ? name.dropFirst("kanbots/".count) : Substring(name)
        guard worktreeName.hasPrefix("issue-") else { return nil }
        let rest = worktreeName.dropFirst("issue-".count)
        guard let dash = rest.firstIndex(of: "-"), let card = Int(rest[..<dash]), card > 0,
              let id = RunID(String(rest[rest.index(after: dash)...])) else { return nil }
        return (card, id)
    }

    /// The name git registers this run's worktree under (`.git/worktrees/<name>`).
    /// A reply runs in the worktree of the run it continues, so this is read
    /// from the recorded folder, not derived from the run's own id.
    public var worktreeRegistration: String { String(worktree.split(separator: "/").last ?? "") }

    /// The attachment holding a reply's follow-up message (`git kanbots reply`).
    public static let replyMessageFile = "reply-message.txt"
    /// The attachment with what a run's agent must know beyond its card,
    /// appended to its prompt: the conflict a rebase run redoes its change
    /// over, the failing checks a fix run fixes (docs/review.md, "The merge queue").
    public static let promptContextFile = "prompt-context.md"
    /// What the agent's session had cost before this reply: agents that
    /// report session-wide totals on resume are reconciled net of it.
    public static let sessionCostBeforeKey = "Session-Cost-Before"
    static let startCommitKey = "Start-Commit"

    /// The commit the run's own work starts from: its base, or for a reply
    /// the branch tip it found. Commits after it are this run's.
    public var startCommit: String {
        get { extraValue(Self.startCommitKey) ?? baseCommit }
        set { setExtra(Self.startCommitKey, newValue == baseCommit ? nil : newValue) }
    }

    /// The dispatch's temporary lock file, recorded with the `queued` record.
    public static let dispatchLockKey = "Dispatch-Lock"

    public func extraValue(_ key: String) -> String? { extra.last(where: { $0.key == key })?.value }

    public mutating func setExtra(_ key: String, _ value: String?) {
        extra.removeAll { $0.key == key }
        if let value { extra.append(Field(key: key, value: value)) }
    }
}

extension RunRecord {
    public var message: TrailerMessage {
        var subject = "run \(id): \(state.rawValue)"
        if let reason { subject += " (\(reason))" }
        var m = TrailerMessage(subject: subject)
        m.append("Run", id.description)
        m.append("Card", String(card))
        m.append("State", state.rawValue)
        m.append("Reason", reason)
        m.append("Agent", agent)
        m.append("Model", model)
        m.append("Persona", persona)
        m.append("Branch", branch)
        m.append("Worktree", worktree)
        m.append("Base", base)
        m.append("Base-Commit", baseCommit)
        m.append("Created", Timestamp.format(createdAt))
        m.append("Started", startedAt.map(Timestamp.format))
        m.append("Ended", endedAt.map(Timestamp.format))
        m.append("Updated", Timestamp.format(updatedAt))
        m.append("Cost-USD", String(printf: "%.6f", costUSD))
        m.append("Cap-USD", capUSD.map { String(printf: "%.2f", $0) })
        m.append("Turns", turns.map(String.init))
        m.append("Session", sessionID)
        m.append("Supervisor-PID", supervisorPID.map(String.init))
        m.append("Agent-PID", agentPID.map(String.init))
        m.append("Host", host)
        m.append("Uuid", uuid)
        m.append("Reply-To", replyTo?.description)
        for field in extra { m.append(field.key, field.value) }
        return m
    }

    /// Reads a record back; throws `RecordError` naming the first bad field.
    ///
    /// One pass over the fields with a switch, no lookups by name: the board
    /// parses every record there is (ten thousand in the benchmark).
    public init(parsing text: String) throws {
        var values = Fields()
        var extra: [Field] = []
        let wellFormed = TrailerMessage.forEachField(in: text) { key, value in
            if !values.set(key, value) { extra.append(Field(key: key, value: value)) }
        }
        guard wellFormed else { throw RecordError.malformed("not a Key: value record") }
        func required(_ value: String?, _ key: String) throws -> String {
            guard let value, !value.isEmpty else { throw RecordError.missingField(key) }
            return value
        }
        func date(_ text: String?, _ key: String) throws -> Date? {
            guard let text else { return nil }
            guard let date = Timestamp.parse(text) else { throw RecordError.badField(key, text) }
            return date
        }
        let runText = try required(values.run, "Run")
        guard let id = RunID(runText) else { throw RecordError.badField("Run", runText) }
        let cardText = try required(values.card, "Card")
        guard let card = Int(cardText) else { throw RecordError.badField("Card", cardText) }
        let stateText = try required(values.state, "State")
        guard let state = RunState(rawValue: stateText) else { throw RecordError.badField("State", stateText) }
        guard let created = try date(values.created, "Created") else { throw RecordError.missingField("Created") }
        self.init(
            id: id, card: card, agent: try required(values.agent, "Agent"), model: values.model,
            branch: try required(values.branch, "Branch"), worktree: try required(values.worktree, "Worktree"),
            base: try required(values.base, "Base"), baseCommit: try required(values.baseCommit, "Base-Commit"),
            createdAt: created, host: values.host ?? "", uuid: values.uuid ?? ""
        )
        self.state = state
        reason = values.reason
        persona = values.persona
        startedAt = try date(values.started, "Started")
        endedAt = try date(values.ended, "Ended")
        updatedAt = try date(values.updated, "Updated") ?? created
        if let cost = values.cost {
            guard let value = Double(cost), value >= 0 else { throw RecordError.badField("Cost-USD", cost) }
            costUSD = value
        }
        capUSD = values.cap.flatMap(Double.init)
        turns = values.turns.flatMap { Int($0) }
        sessionID = values.session
        supervisorPID = values.supervisorPID.flatMap { Int32($0) }
        agentPID = values.agentPID.flatMap { Int32($0) }
        replyTo = values.replyTo.flatMap(RunID.init)
        self.extra = extra
    }

    /// The known fields of a record as text, last value winning.
    private struct Fields {
        var run, card, state, reason, agent, model, persona, branch, worktree, base, baseCommit: String?
        var created, started, ended, updated, cost, cap, turns, session, supervisorPID, agentPID: String?
        var host, uuid, replyTo: String?

        /// False for a key this version does not know (kept as an extra field).
        mutating func set(_ key: String, _ value: String) -> Bool {
            switch key {
            case "Run": run = value
            case "Card": card = value
            case "State": state = value
            case "Reason": reason = value
            case "Agent": agent = value
            case "Model": model = value
            case "Persona": persona = value
            case "Branch": branch = value
            case "Worktree": worktree = value
            case "Base": base = value
            case "Base-Commit": baseCommit = value
            case "Created": created = value
            case "Started": started = value
            case "Ended": ended = value
            case "Updated": updated = value
            case "Cost-USD": cost = value
            case "Cap-USD": cap = value
            case "Turns": turns = value
            case "Session": session = value
            case "Supervisor-PID": supervisorPID = value
            case "Agent-PID": agentPID = value
            case "Host": host = value
            case "Uuid": uuid = value
            case "Reply-To": replyTo = value
            default: return false
            }
            return true
        }
    }
}

/// Why a stored record could not be read.
public enum RecordError: Error, CustomStringConvertible, Equatable, Sendable {
    case malformed(String)
    case missingField(String)
    case badField(String, String)

    public var description: String {
        switch self {
        case .malformed(let why): "malformed record: \(why)"
        case .missingField(let key): "record lacks the field \(key)"
        case .badField(let key, let value): "record has a bad \(key): '\(value)'"
        }
    }
}
