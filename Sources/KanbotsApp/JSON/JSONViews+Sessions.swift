import Foundation
import KanbotsCore
import KanbotsAutopilot
import KanbotsStore

/// A session on `autopilot status --json` and `board --json` (snake_case keys).
public struct SessionJSON: Encodable {
    public var id: String
    public var state: String
    public var recordedState: String
    public var stopReason: String?
    public var parallel: Int
    public var slots: Int?
    public var budgetUSD: Double
    public var runCapUSD: Double
    public var spentUSD: Double
    public var personas: [String]
    /// The engine its runs go to (`slurm`, `kubernetes`); nil: this machine.
    public var executor: String?
    public var dispatched: Int
    public var running: Int
    public var completed: Int
    public var failed: Int
    public var awaitingDecision: Int
    public var holding: String?
    /// The running orchestrator's poll count (nil when none runs).
    public var polls: Int?
    public var orchestratorPID: Int32?
    public var host: String
    public var runs: [String]
    /// QA mode: each check and whether it is green, failing or not yet run.
    public var checks: [CheckJSON]?
    public var createdAt: Date
    public var updatedAt: Date

    public init(_ summary: SessionSummary) {
        let session = summary.session
        id = session.id
        state = summary.displayState
        recordedState = session.state.rawValue
        stopReason = session.stopReason
        parallel = session.parallel
        slots = summary.status?.slots
        budgetUSD = session.budgetUSD
        runCapUSD = session.runCapUSD
        spentUSD = summary.tally.spentUSD
        personas = session.personas
        executor = session.executor?.rawValue
        dispatched = summary.tally.runs.count
        running = summary.tally.active.count
        completed = summary.tally.completed
        failed = summary.tally.failed
        awaitingDecision = summary.tally.awaitingDecision
        holding = summary.status?.holding
        polls = summary.status?.polls
        orchestratorPID = session.orchestratorPID
        host = session.host
        runs = summary.tally.runs.map(\.record.id.description)
        checks = session.qa.map { qa in qa.checks.indices.map { CheckJSON(qa: qa, index: $0) } }
        createdAt = session.createdAt
        updatedAt = session.updatedAt
    }
}

public struct CheckJSON: Encodable {
    public var command: String
    /// `unknown` (not run yet), `green`, or `failing`.
    public var state: String
    public var card: Int?

    public init(qa: QAState, index: Int) {
        command = qa.checks[index]
        card = qa.cards[index]
        if let failing = qa.failingOnBase {
            state = !failing.contains(index) || qa.green.contains(index) ? "green" : "failing"
        } else {
            state = "unknown"
        }
    }
}

/// What `sync --json` reports.
public struct SyncJSON: Encodable {
    public struct Counts: Encodable {
        public var created: Int, fastForwarded: Int, merged: Int
        public init(_ tally: Synchronizer.Tally) {
            created = tally.created
            fastForwarded = tally.fastForwarded
            merged = tally.merged
        }
    }
    public struct Renumbered: Encodable { public var from: Int, to: Int }

    public var remote: String
    public var runs: Counts
    public var cards: Counts
    public var notes: String?
    public var renumbered: [Renumbered]
    public var clashes: [String]
    public var pushed: [String]
    public var rejected: [String]
    public var rounds: Int

    public init(_ report: Synchronizer.Report) {
        remote = report.remote
        runs = Counts(report.runs)
        cards = Counts(report.cards)
        notes = report.notes.map { "\($0)" }
        renumbered = report.renumbered.map { Renumbered(from: $0.from, to: $0.to) }
        clashes = report.clashes
        pushed = report.pushed
        rejected = report.rejected.map(\.ref)
        rounds = report.rounds
    }
}

/// `autopilot start --json` and `POST /api/autopilot/start`.
public struct AutopilotStartJSON: JSONFields {
    public var id: String
    /// The orchestrator's process id: a number, as `orchestrator_pid` is in `SessionJSON`.
    public var pid: Int32

    public init(_ session: AutopilotSession, pid: Int32) {
        id = session.id
        self.pid = pid
    }

    public func writeFields<Sink: JSONFieldSink>(to sink: inout Sink) throws {
        try sink.field("id", id)
        try sink.field("pid", pid)
    }
}

/// `POST /api/autopilot/stop`: the session as stopped and the runs it ended.
public struct AutopilotStopJSON: JSONFields {
    public var id: String
    public var state: String
    public var stopReason: String?
    public var stoppedRuns: [String]

    public init(_ session: AutopilotSession, stoppedRuns: [RunRecord]) {
        id = session.id
        state = session.state.rawValue
        stopReason = session.stopReason
        self.stoppedRuns = stoppedRuns.map(\.id.description)
    }

    public func writeFields<Sink: JSONFieldSink>(to sink: inout Sink) throws {
        try sink.field("id", id)
        try sink.field("state", state)
        try sink.field("stop_reason", stopReason)
        try sink.field("stopped_runs", stoppedRuns)
    }
}
