import ArgumentParser
import Foundation
import KanbotsApp
import KanbotsCore
import KanbotsStore

struct AnswerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "answer",
        abstract: "Answer the question a run is waiting on; the agent continues.",
        discussion: """
            ANSWER is an option's number (1 = the first option shown by `git kanbots decisions`) \
            or free text. Without ANSWER the question's default is taken, except for questions \
            marked irreversible, which need the choice spelled out. The answer is recorded with \
            the run (see `git log refs/kanbots/runs/<run>`). If the run's supervisor or agent \
            died while it waited, answering re-attaches to the agent or resumes its session.
            """
    )

    @Argument(help: "The run (its id, or its number when unambiguous).") var runID: String
    @Argument(help: "An option number or free text (omit for the default).") var answer: String?
    @Flag(help: "Print the question, the answer and what happened as JSON.") var json = false

    func run() throws {
        let repository = try openRepository()
        let id = try resolveRun(runID, in: repository)
        let result = try RunActions(repository).answer(id, with: answer)
        if json {
            try printJSON(AnswerJSON(result, run: id))
            return
        }
        print("run \(id): question \(result.question.number) answered: \(result.answer.text)")
        switch result.delivery {
        case .delivered: break
        case .reattached: print("  its supervisor had died; a new one follows the agent")
        case .resumed(let session): print("  its agent had stopped; resuming session \(session) with the answer")
        case .failed(let reason): print("  its agent had stopped and cannot be resumed; recorded failed (\(reason))")
        }
    }
}
