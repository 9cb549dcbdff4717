import ArgumentParser
import Foundation
import KanbotsAutopilot
import KanbotsCore
import KanbotsStore
import KanbotsSupervisor

struct AutopilotStatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show an autopilot session: slots, spend, counts, holds, and why it stopped.",
        discussion: "Without an id, shows the newest session. `lost` means its orchestrator died; `autopilot resume` continues it."
    )

    @Argument(help: "Session id (default: the newest).") var session: String?
    @Flag(help: "List every session.") var all = false
    @Flag(help: "Print JSON.") var json = false

    func run() throws {
        let repository = try openRepository()
        let store = SessionStore(repository)
        let board = try Reconciler(repository).reconciledSnapshot().board
        let summaries: [SessionSummary]
        if all {
            summaries = try SessionSummary.all(board: board, store: store)
        } else {
            summaries = [SessionSummary(session: try resolveSession(session, store: store), board: board, store: store)]
        }
        if json {
            try all ? printJSON(summaries.map(SessionJSON.init)) : printJSON(SessionJSON(summaries[0]))
            return
        }
        if summaries.isEmpty { print("no autopilot sessions") }
        for summary in summaries {
            print(all ? SessionText.line(summary) : SessionText.block(summary))
        }
    }
}

/// A session on `autopilot status --json` and `board --json` (snake_case keys).
struct SessionJSON: Encodable {
    var id: String
    var state: String
    var recordedState: String
    var stopReason: String?
    var parallel: Int
    var slots: Int?
    var budgetUSD: Double
    var runCapUSD: Double
    var spentUSD: Double
    var personas: [String]
    var dispatched: Int
    var running: Int
    var completed: Int
    var failed: Int
    var awaitingDecision: Int
    var holding: String?
    /// The running orchestrator's poll count (nil when none runs).
    var polls: Int?
    var orchestratorPID: Int32?
    var host: String
    var runs: [String]
    /// QA mode: each check and whether it is green, failing or not yet run.
    var checks: [CheckJSON]?
    var createdAt: Date
    var updatedAt: Date

    init(_ summary: SessionSummary) {
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

struct CheckJSON: Encodable {
    var command: String
    /// `unknown` (not run yet), `green`, or `failing`.
    var state: String
    var card: Int?

    init(qa: QAState, index: Int) {
        command = qa.checks[index]
        card = qa.cards[index]
        if let failing = qa.failingOnBase {
            state = !failing.contains(index) || qa.green.contains(index) ? "green" : "failing"
        } else {
            state = "unknown"
        }
    }
}

enum SessionText {
    static func line(_ summary: SessionSummary) -> String {
        let session = summary.session
        var facts = [summary.displayState]
        if let reason = session.stopReason { facts.append(reason) }
        facts.append("\(formatCost(summary.tally.spentUSD)) of \(formatCost(session.budgetUSD))")
        facts.append("\(summary.tally.runs.count) run(s)")
        return "autopilot \(session.id): " + facts.joined(separator: " · ")
    }

    static func block(_ summary: SessionSummary) -> String {
        let session = summary.session
        let tally = summary.tally
        var lines = ["autopilot \(session.id): \(summary.displayState)"
            + (session.stopReason.map { " (\($0))" } ?? "")
            + (summary.liveness == .alive ? ", orchestrator pid \(session.orchestratorPID.map(String.init) ?? "?")" : "")]
        if summary.isLost {
            lines.append("  the orchestrator is gone; its runs go on under their supervisors."
                + " `git kanbots autopilot resume \(session.id)` continues, `git kanbots autopilot stop` ends it")
        }
        let slots = summary.status?.slots ?? session.parallel
        lines.append("  slots     \(tally.active.count)/\(slots) busy (asked for \(session.parallel))")
        lines.append("  spend     \(formatCost(tally.spentUSD)) of \(formatCost(session.budgetUSD)) budget, run cap \(formatCost(session.runCapUSD))")
        lines.append("  runs      \(tally.runs.count) dispatched: \(tally.active.count) running, \(tally.completed) completed, "
            + "\(tally.failed) failed, \(tally.awaitingDecision) awaiting decision")
        if let qa = session.qa {
            for index in qa.checks.indices {
                let check = CheckJSON(qa: qa, index: index)
                lines.append("  check     \(check.state): \(check.command)" + (check.card.map { " (card #\($0))" } ?? ""))
            }
        } else {
            lines.append("  personas  \(session.personas.joined(separator: ", "))")
        }
        if let holding = summary.status?.holding { lines.append("  holding   \(holding)") }
        lines.append("  story     git log refs/kanbots/sessions/\(session.id)")
        return lines.joined(separator: "\n")
    }
}
