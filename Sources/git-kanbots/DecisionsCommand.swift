import ArgumentParser
import Foundation
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

struct DecisionJSON: Encodable {
    var run: String
    var card: Int
    var title: String?
    var waitedSeconds: Double
    var question: QuestionJSON
}

/// The `question` object of `decisions --json`, `answer --json` and of runs
/// on `board --json` (docs/decisions.md).
struct QuestionJSON: Encodable {
    var number: Int
    var kind: String
    var text: String
    var options: [String]
    var defaultAnswer: String?
    var why: String?
    var irreversible: Bool
    var askedAt: Date
    /// When the default will be taken, if it will.
    var decidesAt: Date?

    enum CodingKeys: String, CodingKey {
        case number, kind, text, options, defaultAnswer = "default", why, irreversible, askedAt, decidesAt
    }

    func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(number, forKey: .number)
        try container.encode(kind, forKey: .kind)
        try container.encode(text, forKey: .text)
        try container.encode(options, forKey: .options)
        try container.encode(defaultAnswer, forKey: .defaultAnswer)
        try container.encode(why, forKey: .why)
        try container.encode(irreversible, forKey: .irreversible)
        try container.encode(askedAt, forKey: .askedAt)
        try container.encode(decidesAt, forKey: .decidesAt)
    }

    init(_ question: Question, decideAfter: TimeInterval?) {
        number = question.number
        kind = question.kind.rawValue
        text = question.text
        options = question.options
        defaultAnswer = question.defaultAnswer
        why = question.why
        irreversible = question.irreversible
        askedAt = question.askedAt
        decidesAt = question.deadline(decideAfter: decideAfter)
    }
}
