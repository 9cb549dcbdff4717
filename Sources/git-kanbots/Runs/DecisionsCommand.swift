import ArgumentParser
import Foundation
import KanbotsApp
import KanbotsCore
import KanbotsStore

struct DecisionsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "decisions",
        abstract: "List the questions agents are waiting on, oldest first.",
        discussion: """
            Every run in awaiting_decision, with its card, how long it has waited, the question, \
            its options and default. Answer with `git kanbots answer RUN N` (an option number) or \
            `git kanbots answer RUN "free text"`. Runs dispatched with --decide-after take the \
            default when the time is up; irreversible questions always wait for a human.
            """
    )

    @Flag(help: "Print JSON (an array of open decisions).") var json = false

    func run() throws {
        let repository = try openRepository()
        let open = try DecisionStore(repository).open()
        let titles = Dictionary((try CardStore(repository).all().cards).map { ($0.number, $0.title) },
                                uniquingKeysWith: { first, _ in first })
        let now = Date()
        if json {
            try printJSON(open.map { record, question in
                DecisionJSON(run: record.id.description, card: record.card, title: titles[record.card],
                             waitedSeconds: max(0, now.timeIntervalSince(question.askedAt)),
                             question: QuestionJSON(question, decideAfter: record.decideAfter))
            })
            return
        }
        if open.isEmpty {
            print("No open decisions.")
            return
        }
        for (record, question) in open {
            let title = titles[record.card].map { " \($0)" } ?? ""
            print("run \(record.id) · card #\(record.card)\(title) · waiting \(formatDuration(now.timeIntervalSince(question.askedAt)))")
            for line in DecisionText.lines(question, decideAfter: record.decideAfter, now: now) { print("  " + line) }
            print("  answer: git kanbots answer \(record.id) N|TEXT")
        }
    }
}

/// A question as text, shared by `decisions` and the board.
enum DecisionText {
    static func lines(_ question: Question, decideAfter: TimeInterval?, now: Date) -> [String] {
        var lines = [(question.kind == .permission ? "permission: " : "? ") + question.text]
        if let why = question.why { lines.append("why: \(why)") }
        for (index, option) in question.options.enumerated() {
            lines.append("\(index + 1)) \(option)" + (option == question.defaultAnswer ? " (default)" : ""))
        }
        if let answer = question.defaultAnswer, !question.options.contains(answer) { lines.append("default: \(answer)") }
        if question.irreversible {
            lines.append("irreversible: waits for a human")
        } else if let deadline = question.deadline(decideAfter: decideAfter) {
            lines.append("takes the default in \(formatDuration(deadline.timeIntervalSince(now)))")
        }
        return lines
    }
}
