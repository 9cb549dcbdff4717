import ArgumentParser
import Foundation
import KanbotsApp
import KanbotsAutopilot
import KanbotsCore
import KanbotsStore

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
        let board = try BoardQuery(repository).reconciledSnapshot().board
        let summaries: [SessionSummary]
        if all {
            summaries = try SessionSummary.all(board: board, store: store)
        } else {
            summaries = [SessionSummary(session: try AutopilotActions(repository).session(session), board: board, store: store)]
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

enum SessionText {
    static func line(_ summary: SessionSummary) -> String {
        let session = summary.session
        var facts = [summary.displayState]
        if let reason = session.stopReason { facts.append(reason) }
        facts.append("\(formatCost(summary.tally.spentUSD)) of \(formatCost(session.budgetUSD))")
        facts.append("\(summary.tally.runs.count) run(s)")
        if let executor = session.executor { facts.append("on \(executor.rawValue)") }
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
        if let executor = session.executor { lines.append("  on        \(executor.rawValue)") }
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
