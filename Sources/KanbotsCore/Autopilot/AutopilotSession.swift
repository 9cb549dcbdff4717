/// One autopilot session: what the user asked for, and where it stands.
///
/// Stored as the tip commit of `refs/kanbots/sessions/<id>`, one commit per
/// event (started, dispatched, held, budget reached, stopped), so
/// `git log refs/kanbots/sessions/<id>` reads as the session's story. The
/// subject of each commit is the event; the fields are the state after it.
public struct AutopilotSession: Sendable, Equatable {
    public enum State: String, Sendable, Codable {
        /// Dispatching while there is work, budget and a free slot.
        case running
        /// No more dispatches (the stop reason says why); in-flight runs finish.
        case draining
        /// Over: the orchestrator has exited.
        case stopped

        public var isActive: Bool { self != .stopped }
    }

    public var id: String
    public var state: State
    /// Why it stopped or drains: `budget_reached 25.13`, `backlog_empty`,
    /// `stopped_by_user`, `failed_too_often 3`.
    public var stopReason: String?
    public var parallel: Int
    public var budgetUSD: Double
    public var runCapUSD: Double
    /// Round-robined over cards; `reviewer` is dispatched on finished engineer branches instead.
    public var personas: [String]
    /// Card numbers the session may take; nil means every open Todo card.
    public var cards: [Int]?
    /// Comma-separated names, taken in turn by each card's attempts (`--agent claude,codex`).
    public var agent: String?
    public var model: String?
    /// Attempts per card (`--attempts N`); nil: one per agent or model name.
    public var attempts: Int?
    /// Dependencies in review (not only done) release a card.
    public var afterInReview: Bool
    /// Consecutive failed runs that end the session.
    public var maxFailures: Int
    /// The merge queue lands the session's ready runs (`--land`):
    /// `checked`, or `unchecked` when no checks prove the merges, on purpose.
    public var land: String?
    /// Kept for the decisions feature (`--decide-after`); recorded, not acted on here.
    public var decideAfter: String?
    /// Where its runs' supervisors run (`--on slurm`); nil: as each dispatch would choose.
    public var executor: ExecutorKind?
    public var host: String
    public var orchestratorPID: Int32?
    public var createdAt: Date
    public var updatedAt: Date
    /// Figures as of the last event (the live ones come from the runs).
    public var spentUSD: Double
    public var dispatched: Int
    /// QA mode (`autopilot qa`): the checks, and what is known about them.
    public var qa: QAState?

    public init(id: String, parallel: Int, budgetUSD: Double, runCapUSD: Double, personas: [String],
                createdAt: Date, host: String) {
        self.id = id
        state = .running
        self.parallel = parallel
        self.budgetUSD = budgetUSD
        self.runCapUSD = runCapUSD
        self.personas = personas
        afterInReview = false
        maxFailures = 3
        self.host = host
        self.createdAt = createdAt
        updatedAt = createdAt
        spentUSD = 0
        dispatched = 0
    }

    /// Run records name their session in this field.
    public static let runField = "Autopilot-Session"
    /// A reviewer run names the engineer run it reviews in this field.
    public static let reviewOfField = "Review-Of"

    /// `20261123-145501-k3qz`: sortable, readable, unique enough per clone.
    public static func newID(now: Date = Date()) -> String {
        let c = Calendar(identifier: .gregorian).dateComponents(in: TimeZone(identifier: "UTC")!, from: now)
        let letters = Array("abcdefghijkmnpqrstuvwxyz23456789")
        let suffix = String((0..<4).map { _ in letters.randomElement()! })
        return String(printf: "%04ld%02ld%02ld-%02ld%02ld%02ld-", c.year!, c.month!, c.day!, c.hour!, c.minute!, c.second!)
            + suffix
    }

    public static func isValidID(_ text: String) -> Bool {
        !text.isEmpty && text.count <= 64 && text.allSatisfy { $0.isLetter || $0.isNumber || $0 == "-" }
            && text.allSatisfy(\.isASCII)
    }

    public func message(event: String) -> TrailerMessage {
        var m = TrailerMessage(subject: "autopilot \(id): \(event)")
        m.append("Session", id)
        m.append("State", state.rawValue)
        m.append("Stop-Reason", stopReason)
        m.append("Parallel", String(parallel))
        m.append("Budget-USD", String(printf: "%.2f", budgetUSD))
        m.append("Run-Cap-USD", String(printf: "%.2f", runCapUSD))
        m.append("Personas", personas.joined(separator: ","))
        m.append("Cards", cards.map { $0.map(String.init).joined(separator: ",") })
        m.append("Agent", agent)
        m.append("Model", model)
        m.append("Attempts", attempts.map(String.init))
        m.append("After-In-Review", afterInReview ? "yes" : nil)
        m.append("Land", land)
        m.append("Max-Failures", String(maxFailures))
        m.append("Decide-After", decideAfter)
        m.append("On", executor?.rawValue)
        m.append("Host", host)
        m.append("Orchestrator-PID", orchestratorPID.map(String.init))
        m.append("Created", Timestamp.format(createdAt))
        m.append("Updated", Timestamp.format(updatedAt))
        m.append("Spent-USD", String(printf: "%.6f", spentUSD))
        m.append("Dispatched", String(dispatched))
        if let qa { qa.append(to: &m) }
        return m
    }

    public init(parsing text: String) throws {
        guard let m = TrailerMessage(parsing: text) else { throw RecordError.malformed("not a Key: value record") }
        func number(_ key: String) throws -> Double {
            guard let text = m[key], let value = Double(text), value >= 0 else {
                throw RecordError.badField(key, m[key] ?? "")
            }
            return value
        }
        guard let id = m["Session"], Self.isValidID(id) else { throw RecordError.badField("Session", m["Session"] ?? "") }
        guard let state = State(rawValue: m["State"] ?? "") else { throw RecordError.badField("State", m["State"] ?? "") }
        guard let parallel = Int(m["Parallel"] ?? ""), parallel > 0 else {
            throw RecordError.badField("Parallel", m["Parallel"] ?? "")
        }
        guard let created = m["Created"].flatMap(Timestamp.parse) else { throw RecordError.missingField("Created") }
        self.init(id: id, parallel: parallel, budgetUSD: try number("Budget-USD"), runCapUSD: try number("Run-Cap-USD"),
                  personas: (m["Personas"] ?? "").split(separator: ",").map(String.init), createdAt: created,
                  host: m["Host"] ?? "")
        self.state = state
        stopReason = m["Stop-Reason"]
        cards = m["Cards"].map { $0.split(separator: ",").compactMap { Int($0) } }
        agent = m["Agent"]
        model = m["Model"]
        attempts = m["Attempts"].flatMap { Int($0) }
        afterInReview = m["After-In-Review"] == "yes"
        land = m["Land"]
        maxFailures = m["Max-Failures"].flatMap { Int($0) } ?? 3
        decideAfter = m["Decide-After"]
        executor = m["On"].flatMap { ExecutorKind(rawValue: $0) }
        orchestratorPID = m["Orchestrator-PID"].flatMap { Int32($0) }
        updatedAt = m["Updated"].flatMap(Timestamp.parse) ?? created
        spentUSD = m["Spent-USD"].flatMap(Double.init) ?? 0
        dispatched = m["Dispatched"].flatMap { Int($0) } ?? 0
        qa = QAState(parsing: m)
    }
}

/// Why a session stops dispatching (docs/autopilot.md).
public enum StopReason {
    public static func budgetReached(_ spent: Double) -> String { "budget_reached " + String(printf: "%.2f", spent) }
    public static let backlogEmpty = "backlog_empty"
    public static let stoppedByUser = "stopped_by_user"
    public static func failedTooOften(_ count: Int) -> String { "failed_too_often \(count)" }
}

/// A QA session's progress: which checks failed on the base, which fix
/// runs were verified, which checks are green. Kept in the session record so
/// a resumed orchestrator picks up where the last one was.
public struct QAState: Sendable, Equatable {
    /// Shell commands, run with `/bin/sh -c` in a checkout.
    public var checks: [String]
    /// The base the checks and the first fix runs start from.
    public var base: String
    /// Fix attempts per failing check before giving up on it.
    public var maxRounds: Int
    /// Seconds a check may run before it is stopped and counted as failing:
    /// one hung test run must not hold the session all night.
    public var checkTimeout: TimeInterval = QAState.defaultCheckTimeout
    public static let defaultCheckTimeout: TimeInterval = 30 * 60
    /// Indices of checks failing on the base; nil until they have been run.
    public var failingOnBase: [Int]?
    /// Indices of checks made green by a fix run.
    public var green: [Int] = []
    /// Fix runs whose result has been checked.
    public var verifiedRuns: [String] = []
    /// The card filed for each failing check, `index=card`.
    public var cards: [Int: Int] = [:]

    public init(checks: [String], base: String, maxRounds: Int) {
        self.checks = checks
        self.base = base
        self.maxRounds = maxRounds
    }

    /// Run records name the check they fix in this field.
    public static let runField = "QA-Check"

    func append(to m: inout TrailerMessage) {
        m.append("Mode", "qa")
        for check in checks { m.append("Check", check) }
        m.append("QA-Base", base)
        m.append("Max-Rounds", String(maxRounds))
        m.append("Check-Timeout", String(Int(checkTimeout)))
        m.append("Failing-On-Base", failingOnBase.map { $0.isEmpty ? "none" : Self.list($0) })
        m.append("Green", green.isEmpty ? nil : Self.list(green))
        m.append("Verified-Runs", verifiedRuns.isEmpty ? nil : verifiedRuns.joined(separator: ","))
        m.append("Check-Cards", cards.isEmpty ? nil : cards.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
            .joined(separator: ","))
    }

    init?(parsing m: TrailerMessage) {
        guard m["Mode"] == "qa" else { return nil }
        self.init(checks: m.fields.filter { $0.key == "Check" }.map(\.value), base: m["QA-Base"] ?? "HEAD",
                  maxRounds: m["Max-Rounds"].flatMap { Int($0) } ?? 3)
        checkTimeout = m["Check-Timeout"].flatMap(TimeInterval.init) ?? Self.defaultCheckTimeout
        failingOnBase = m["Failing-On-Base"].map { $0 == "none" ? [] : Self.numbers($0) }
        green = Self.numbers(m["Green"] ?? "")
        verifiedRuns = (m["Verified-Runs"] ?? "").split(separator: ",").map(String.init)
        for pair in (m["Check-Cards"] ?? "").split(separator: ",") {
            let parts = pair.split(separator: "=")
            if parts.count == 2, let index = Int(parts[0]), let card = Int(parts[1]) { cards[index] = card }
        }
    }

    static func list(_ numbers: [Int]) -> String { numbers.map(String.init).joined(separator: ",") }
    static func numbers(_ text: String) -> [Int] { text.split(separator: ",").compactMap { Int($0) } }
}

extension StopReason {
    public static let allGreen = "all_green"
    public static let checksStillFailing = "checks_still_failing"
}
