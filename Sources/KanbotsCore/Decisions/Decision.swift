/// A question an agent asked a human, as recorded with the run while it
/// waits (state `awaiting_decision`). Kept as `Question-*` fields of the run
/// record, so `git log refs/kanbots/runs/<id>` shows every question and
/// every answer (docs/decisions.md).
public struct Question: Sendable, Equatable {
    /// Why the agent is asking: its own `ask` tool, or Claude Code's
    /// permission prompt routed to the human.
    public enum Kind: String, Sendable, Codable {
        case ask
        case permission
    }

    /// 1, 2, ... within the run: an answer names the question it answers.
    public var number: Int
    public var kind: Kind
    public var text: String
    public var options: [String]
    /// The choice taken when nobody answers in time (`--decide-after`);
    /// nil means the question is never answered without a human.
    public var defaultAnswer: String?
    public var why: String?
    /// Deletes, migrations, pushes: never answered without a human.
    public var irreversible: Bool
    public var askedAt: Date

    public init(number: Int, kind: Kind = .ask, text: String, options: [String] = [], defaultAnswer: String? = nil,
                why: String? = nil, irreversible: Bool = false, askedAt: Date = Date()) {
        self.number = number
        self.kind = kind
        self.text = text
        self.options = options
        self.defaultAnswer = defaultAnswer
        self.why = why
        self.irreversible = irreversible
        self.askedAt = askedAt
    }

    /// Whether a timeout may answer it: it has a default and is reversible.
    public var mayTakeDefault: Bool { defaultAnswer != nil && !irreversible }

    /// When the default is taken, for a run told to decide after `seconds`.
    public func deadline(decideAfter seconds: TimeInterval?) -> Date? {
        guard mayTakeDefault, let seconds else { return nil }
        return askedAt.addingTimeInterval(seconds)
    }

    /// Turns what a human typed into the answer: a 1-based option number,
    /// else the text itself. nil input means "the default".
    public func resolve(_ input: String?) throws -> String {
        guard let input else {
            guard let defaultAnswer else {
                throw DecisionError.noDefault(number: number)
            }
            guard !irreversible else { throw DecisionError.irreversibleNeedsChoice(number: number) }
            return defaultAnswer
        }
        let trimmed = input.trimmingSpaces()
        guard !trimmed.isEmpty else { throw DecisionError.emptyAnswer }
        if !options.isEmpty, let index = Int(trimmed) {
            guard options.indices.contains(index - 1) else {
                throw DecisionError.noSuchOption(index, count: options.count)
            }
            return options[index - 1]
        }
        return trimmed
    }
}

/// An answer as recorded when the run goes back to `running`.
public struct Answer: Sendable, Equatable {
    public enum Source: String, Sendable, Codable {
        /// A human ran `git kanbots answer`.
        case human
        /// Nobody answered within `--decide-after`; the default was taken.
        case timeout
    }

    public var question: Int
    public var text: String
    public var source: Source
    public var answeredAt: Date

    public init(question: Int, text: String, source: Source, answeredAt: Date = Date()) {
        self.question = question
        self.text = text
        self.source = source
        self.answeredAt = answeredAt
    }
}

/// Why an answer was refused; each message says what to type instead.
public enum DecisionError: Error, CustomStringConvertible, Equatable, Sendable {
    case noDefault(number: Int)
    case irreversibleNeedsChoice(number: Int)
    case emptyAnswer
    case noSuchOption(Int, count: Int)

    public var description: String {
        switch self {
        case .noDefault:
            "the question has no default; give an option number or the answer's text"
        case .irreversibleNeedsChoice:
            "the question is marked irreversible, so its default is never taken implicitly; give the option number or text explicitly"
        case .emptyAnswer:
            "the answer is empty; give an option number or the answer's text"
        case .noSuchOption(let index, let count):
            "there is no option \(index); the question has options 1 to \(count) (or give free text)"
        }
    }
}

extension RunRecord {
    enum DecisionKey {
        static let number = "Question-Number"
        static let kind = "Question-Kind"
        static let text = "Question"
        static let options = "Question-Options"
        static let defaultAnswer = "Question-Default"
        static let why = "Question-Why"
        static let irreversible = "Question-Irreversible"
        static let asked = "Question-Asked"
        static let answerNumber = "Answer-Number"
        static let answer = "Answer"
        static let answerSource = "Answer-Source"
        static let answered = "Answered"
        static let decideAfter = "Decide-After"
        static let questionsAsked = "Questions-Asked"
        static let resumeSession = "Resume-Session"
    }

    /// The question the run waits on, if it waits on one.
    public var openQuestion: Question? {
        guard state == .awaitingDecision, let question = recordedQuestion else { return nil }
        return question
    }

    /// The `Question-*` fields as written, whatever the state.
    var recordedQuestion: Question? {
        guard let number = extraValue(DecisionKey.number).flatMap({ Int($0) }),
              let text = extraValue(DecisionKey.text) else { return nil }
        let options = extraValue(DecisionKey.options)
            .flatMap { try? JSONDecoder().decode([String].self, from: Data($0.utf8)) } ?? []
        return Question(
            number: number, kind: extraValue(DecisionKey.kind).flatMap(Question.Kind.init) ?? .ask, text: text,
            options: options, defaultAnswer: extraValue(DecisionKey.defaultAnswer), why: extraValue(DecisionKey.why),
            irreversible: extraValue(DecisionKey.irreversible) == "true",
            askedAt: extraValue(DecisionKey.asked).flatMap(Timestamp.parse) ?? updatedAt)
    }

    /// The last answer recorded, if any.
    public var lastAnswer: Answer? {
        guard let number = extraValue(DecisionKey.answerNumber).flatMap({ Int($0) }),
              let text = extraValue(DecisionKey.answer) else { return nil }
        return Answer(
            question: number, text: text,
            source: extraValue(DecisionKey.answerSource).flatMap(Answer.Source.init) ?? .human,
            answeredAt: extraValue(DecisionKey.answered).flatMap(Timestamp.parse) ?? updatedAt)
    }

    /// How many questions the run has asked so far (numbers the next one).
    public var questionsAsked: Int { extraValue(DecisionKey.questionsAsked).flatMap { Int($0) } ?? 0 }

    /// Seconds after which an unanswered, reversible question takes its
    /// default; nil waits for a human forever.
    public var decideAfter: TimeInterval? {
        get { extraValue(DecisionKey.decideAfter).flatMap(TimeInterval.init) }
        set { setExtra(DecisionKey.decideAfter, newValue.map { String(Int($0)) }) }
    }

    /// Set when an answer restarts an agent that was gone: the next
    /// supervisor resumes the agent's session with `Reply-Message`.
    public var resumesSession: Bool {
        get { extraValue(DecisionKey.resumeSession) == "true" }
        set { setExtra(DecisionKey.resumeSession, newValue ? "true" : nil) }
    }

    /// Records `question` and moves the run to `awaiting_decision`.
    public mutating func ask(_ question: Question) {
        state = .awaitingDecision
        reason = nil
        setExtra(DecisionKey.questionsAsked, String(question.number))
        setExtra(DecisionKey.number, String(question.number))
        setExtra(DecisionKey.kind, question.kind.rawValue)
        setExtra(DecisionKey.text, question.text)
        let options = (try? JSONEncoder().encode(question.options)).map { String(decoding: $0, as: UTF8.self) }
        setExtra(DecisionKey.options, question.options.isEmpty ? nil : options)
        setExtra(DecisionKey.defaultAnswer, question.defaultAnswer)
        setExtra(DecisionKey.why, question.why)
        setExtra(DecisionKey.irreversible, question.irreversible ? "true" : nil)
        setExtra(DecisionKey.asked, Timestamp.format(question.askedAt))
    }

    /// Records `answer`, drops the question's fields (the previous version
    /// of the record keeps them) and moves the run back to `running`.
    public mutating func answer(_ answer: Answer, state next: RunState = .running) {
        state = next
        reason = nil
        for key in [DecisionKey.number, DecisionKey.kind, DecisionKey.text, DecisionKey.options,
                    DecisionKey.defaultAnswer, DecisionKey.why, DecisionKey.irreversible, DecisionKey.asked] {
            setExtra(key, nil)
        }
        setExtra(DecisionKey.answerNumber, String(answer.question))
        setExtra(DecisionKey.answer, answer.text)
        setExtra(DecisionKey.answerSource, answer.source.rawValue)
        setExtra(DecisionKey.answered, Timestamp.format(answer.answeredAt))
    }
}

/// Durations as people type them: `90s`, `10m`, `2h`, `1d`, or plain seconds.
public enum DurationText {
    public static func seconds(_ text: String) -> TimeInterval? {
        let trimmed = text.trimmingSpaces().lowercased()
        guard let last = trimmed.last else { return nil }
        let units: [Character: Double] = ["s": 1, "m": 60, "h": 3600, "d": 86400]
        let (number, unit) = units[last].map { (String(trimmed.dropLast()), $0) } ?? (trimmed, 1)
        guard let value = Double(number), value >= 0, value.isFinite else { return nil }
        return value * unit
    }
}

/// The names of the decision server and its tools, as agents see them
/// (`mcp__<server>__<tool>` in Claude Code).
public enum DecisionTools {
    public static let server = "kanbots"
    public static let ask = "ask"
    public static let approve = "approve"
    public static func qualified(_ tool: String) -> String { "mcp__\(server)__\(tool)" }
}
