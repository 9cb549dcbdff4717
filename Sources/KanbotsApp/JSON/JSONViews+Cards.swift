import Foundation
import KanbotsCore

/// A card on `card list --json` and `card show --json` (docs/json.md).
public struct CardJSON: Encodable {
    public var number: Int
    public var title: String
    public var body: String
    public var state: String
    public var lane: String
    public var source: String
    public var after: [Int]
    public var rank: Int?
    public var createdAt: Date
    public var updatedAt: Date
    public var runs: [String]?
    public var issue: Int?
    public var url: String?
    public var labels: [String]
    /// The card's own agent and model for its runs (null when none).
    public var agent: String?
    public var model: String?
    /// The paths the card's work may touch and its own checks (docs/review.md).
    public var scope: [String]
    public var checks: [String]
    /// The card's own setup commands, run after `kanbots.setup` (docs/environment.md).
    public var setup: [String]

    public init(_ card: Card) {
        number = card.number
        title = card.title
        body = card.body
        state = card.state.rawValue
        lane = card.lane.rawValue
        source = card.source
        after = card.after
        rank = card.rank
        createdAt = card.createdAt
        updatedAt = card.updatedAt
        issue = card.issue
        url = card.url
        labels = card.labels
        agent = card.agent
        model = card.model
        scope = card.scope
        checks = card.checks
        setup = card.setup
    }
}

/// An open decision on `decisions --json`.
public struct DecisionJSON: Encodable {
    public var run: String
    public var card: Int
    public var title: String?
    public var waitedSeconds: Double
    public var question: QuestionJSON

    public init(run: String, card: Int, title: String?, waitedSeconds: Double, question: QuestionJSON) {
        self.run = run
        self.card = card
        self.title = title
        self.waitedSeconds = waitedSeconds
        self.question = question
    }
}

/// The `question` object of `decisions --json`, `answer --json` and of runs
/// on `board --json` (docs/decisions.md).
public struct QuestionJSON: Encodable {
    public var number: Int
    public var kind: String
    public var text: String
    public var options: [String]
    public var defaultAnswer: String?
    public var why: String?
    public var irreversible: Bool
    public var askedAt: Date
    /// When the default will be taken, if it will.
    public var decidesAt: Date?

    public enum CodingKeys: String, CodingKey {
        case number, kind, text, options, defaultAnswer = "default", why, irreversible, askedAt, decidesAt
    }

    public func encode(to encoder: Encoder) throws {
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

    public init(_ question: Question, decideAfter: TimeInterval?) {
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

/// The answer to a question on `answer --json`.
public struct AnswerJSON: Encodable {
    public var run: String
    public var question: QuestionJSON
    public var answer: String
    public var delivery: String

    public init(run: String, question: QuestionJSON, answer: String, delivery: String) {
        self.run = run
        self.question = question
        self.answer = answer
        self.delivery = delivery
    }
}
