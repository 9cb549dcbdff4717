import Foundation

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

    /// The name git registers this run's worktree under (`.git/worktrees/<name>`).
    /// A reply runs in the worktree of the run it continues, so this is read
    /// from the recorded folder, not derived from the run's own id.
    public var worktreeRegistration: String { String(worktree.split(separator: "/").last ?? "") }

    /// The attachment holding a reply's follow-up message (`git kanbots reply`).
    public static let replyMessageFile = "reply-message.txt"
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
        m.append("Cost-USD", String(format: "%.6f", costUSD))
        m.append("Cap-USD", capUSD.map { String(format: "%.2f", $0) })
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

    static let knownKeys: Set<String> = [
        "Run", "Card", "State", "Reason", "Agent", "Model", "Persona", "Branch", "Worktree", "Base",
        "Base-Commit", "Created", "Started", "Ended", "Updated", "Cost-USD", "Cap-USD", "Turns", "Session",
        "Supervisor-PID", "Agent-PID", "Host", "Uuid", "Reply-To",
    ]

    /// Reads a record back; throws `RecordError` naming the first bad field.
    public init(parsing text: String) throws {
        guard let m = TrailerMessage(parsing: text) else { throw RecordError.malformed("not a Key: value record") }
        func required(_ key: String) throws -> String {
            guard let value = m[key], !value.isEmpty else { throw RecordError.missingField(key) }
            return value
        }
        func date(_ key: String) throws -> Date? {
            guard let text = m[key] else { return nil }
            guard let date = Timestamp.parse(text) else { throw RecordError.badField(key, text) }
            return date
        }
        guard let id = RunID(try required("Run")) else { throw RecordError.badField("Run", m["Run"] ?? "") }
        guard let card = Int(try required("Card")) else { throw RecordError.badField("Card", m["Card"] ?? "") }
        guard let state = RunState(rawValue: try required("State")) else {
            throw RecordError.badField("State", m["State"] ?? "")
        }
        guard let created = try date("Created") else { throw RecordError.missingField("Created") }
        self.init(
            id: id, card: card, agent: try required("Agent"), model: m["Model"], branch: try required("Branch"),
            worktree: try required("Worktree"), base: try required("Base"), baseCommit: try required("Base-Commit"),
            createdAt: created, host: m["Host"] ?? "", uuid: m["Uuid"] ?? ""
        )
        self.state = state
        reason = m["Reason"]
        persona = m["Persona"]
        startedAt = try date("Started")
        endedAt = try date("Ended")
        updatedAt = try date("Updated") ?? created
        if let cost = m["Cost-USD"] {
            guard let value = Double(cost), value >= 0 else { throw RecordError.badField("Cost-USD", cost) }
            costUSD = value
        }
        capUSD = m["Cap-USD"].flatMap(Double.init)
        turns = m["Turns"].flatMap { Int($0) }
        sessionID = m["Session"]
        supervisorPID = m["Supervisor-PID"].flatMap { Int32($0) }
        agentPID = m["Agent-PID"].flatMap { Int32($0) }
        replyTo = m["Reply-To"].flatMap(RunID.init)
        extra = m.fields.filter { !Self.knownKeys.contains($0.key) }.map { Field(key: $0.key, value: $0.value) }
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
