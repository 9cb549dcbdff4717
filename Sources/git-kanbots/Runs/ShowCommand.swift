import ArgumentParser
import Foundation
import KanbotsApp
import KanbotsCore
import KanbotsStore

struct ShowCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "Show one run: its record, lifecycle and branch.",
        discussion: "The lifecycle is the history of refs/kanbots/runs/<id>: `git log` on that ref shows the same."
    )

    @Argument(help: "The run id (e.g. 7-k3qz, or 7 when unambiguous).") var runID: String
    @Flag(help: "Print JSON.") var json = false

    func run() throws {
        let repository = try openRepository()
        let id = try resolveRun(runID, in: repository)
        let view = try runView(id, in: repository)
        let transitions = try runTransitions(id, in: repository)
        if json {
            try printJSON(RunDetailJSON(run: RunJSON(view), transitions: transitions))
            return
        }
        let record = view.record
        print("run \(record.id) · card #\(record.card) · \(view.displayState)\(view.displayReason.map { " (\($0))" } ?? "")")
        print("  column     \(view.column.title)\(view.note.map { " — \($0)" } ?? "")")
        print("  agent      \(record.agent)\(record.model.map { " · \($0)" } ?? "")\(record.persona.map { " · \($0)" } ?? "")")
        print("  branch     \(record.branch)\(view.observation.branchTip == nil ? " (deleted)" : "")")
        print("  worktree   \(repository.absolutePath(record.worktree))")
        print("  base       \(record.base) @ \(record.baseCommit.prefix(10))")
        if let ahead = view.observation.ahead, let behind = view.observation.behind {
            print("  commits    \(ahead) ahead, \(behind) behind \(record.base)")
        }
        print("  cost       \(record.isMetered ? formatCost(view.costUSD) : "unmetered")\(record.capUSD.map { " of \(formatCost($0)) cap" } ?? "")\(record.turns.map { " · \($0) turns" } ?? "")")
        print("  supervisor \(view.observation.supervisor.rawValue)\(record.supervisorPID.map { " (pid \($0))" } ?? "") on \(record.host)")
        if let session = record.sessionID { print("  session    \(session)") }
        if let number = record.pullRequestNumber { print("  pull req   #\(number) \(record.pullRequestURL ?? "")") }
        if let target = record.mergedInto { print("  merged     into \(target)") }
        if let checks = record.checks { print("  checks     \(ChecksJSON.summary(checks))") }
        if let tested = record.agentTested { print("  tested     agent tested: \(tested.label)") }
        if !record.scopeViolations.isEmpty {
            print("  scope      out of scope: \(record.scopeViolations.joined(separator: ", "))")
        }
        if let error = record.agentError { print("  error      \(error)") }
        EnvironmentText.showLines(record, running: record.state.isActive).forEach { print($0) }
        print("\nlifecycle (git log \(KanbotsRepository.runsRefPrefix)\(record.id)):")
        for transition in transitions {
            print("  \(Timestamp.format(transition.at))  \(transition.state)\(transition.reason.map { " (\($0))" } ?? "")"
                + (transition.question.map { " · asked: \($0)" } ?? "") + (transition.answer.map { " · answer: \($0)" } ?? ""))
        }
        let failure = EnvironmentText.failureBlock(record, store: RunStore(repository))
            + AgentErrorText.block(record, store: RunStore(repository))
        if !failure.isEmpty { print("\n" + failure.joined(separator: "\n")) }
    }
}
