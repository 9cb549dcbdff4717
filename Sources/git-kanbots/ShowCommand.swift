import ArgumentParser
import Foundation
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

    struct Transition: Encodable {
        var state: String
        var reason: String?
        var at: Date
        var commit: String
        /// The question asked (awaiting_decision) or the answer given (the
        /// version right after), so the lifecycle tells the decisions too.
        var question: String?
        var answer: String?
    }

    struct Output: Encodable {
        var run: RunJSON
        var transitions: [Transition]
    }

    func run() throws {
        let repository = try openRepository()
        let id = try resolveRun(runID, in: repository)
        let view = try runView(id, in: repository)
        var previous: RunRecord?
        let transitions = try RunStore(repository).history(id).map { entry in
            defer { previous = entry.record }
            let answered = previous?.openQuestion != nil && entry.record?.openQuestion == nil
            return Transition(state: entry.record?.state.rawValue ?? "unreadable", reason: entry.record?.reason,
                              at: entry.record?.updatedAt ?? entry.commit.time, commit: entry.commit.id.hex,
                              question: entry.record?.openQuestion?.text,
                              answer: answered ? entry.record?.lastAnswer.map { "\($0.text) (\($0.source.rawValue))" } : nil)
        }
        if json {
            try printJSON(Output(run: RunJSON(view), transitions: transitions))
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
        print("\nlifecycle (git log \(KanbotsRepository.runsRefPrefix)\(record.id)):")
        for transition in transitions {
            print("  \(Timestamp.format(transition.at))  \(transition.state)\(transition.reason.map { " (\($0))" } ?? "")"
                + (transition.question.map { " · asked: \($0)" } ?? "") + (transition.answer.map { " · answer: \($0)" } ?? ""))
        }
    }
}
