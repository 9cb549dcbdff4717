import Foundation
import KanbotsCore
import KanbotsStore
import MCP

/// What a tool call returns to the agent.
struct ToolOutcome: Sendable {
    var text: String
    var isError: Bool
}

/// One tool call of one run: records the question, waits for its answer in
/// the run's record, takes the default when the run's `Decide-After` has
/// passed (never for irreversible questions), and phrases the result.
public struct DecisionWaiter: Sendable {
    let repositoryPath: String
    let id: RunID
    /// Back-off of the polling of the run's ref: quick at first (a human at
    /// the keyboard), then four times a second: a ref read costs well under a
    /// millisecond, and an answer should reach the agent at once.
    var firstPoll: TimeInterval = 0.1
    var slowestPoll: TimeInterval = 0.25

    public init(repositoryPath: String, id: RunID) {
        self.repositoryPath = repositoryPath
        self.id = id
    }

    func call(_ name: String, _ arguments: [String: Value]) -> ToolOutcome {
        do {
            switch name {
            case DecisionServer.askTool:
                let draft = try Self.askDraft(arguments)
                let answer = try waitForAnswer(draft)
                let text = answer.source == .timeout
                    ? "Nobody answered in time, so the default was taken: \(answer.text)"
                    : "The human answered: \(answer.text)"
                return ToolOutcome(text: text, isError: false)
            case DecisionServer.approveTool:
                let toolName = arguments["tool_name"]?.stringValue ?? "a tool"
                let input = arguments["input"] ?? .object([:])
                let answer = try waitForAnswer { number in
                    Question(number: number, kind: .permission, text: "Allow \(toolName)?", options: ["allow", "deny"],
                             defaultAnswer: "deny", why: Self.summary(of: input))
                }
                return ToolOutcome(text: Self.permissionResult(answer, input: input), isError: false)
            default:
                return ToolOutcome(text: "unknown tool \(name); this server offers ask and approve", isError: true)
            }
        } catch {
            return ToolOutcome(text: "\(error)", isError: true)
        }
    }

    /// The question an `ask` call describes, numbered once recorded.
    static func askDraft(_ arguments: [String: Value]) throws -> (Int) -> Question {
        guard let text = arguments["question"]?.stringValue?.trimmingCharacters(in: .whitespacesAndNewlines),
              !text.isEmpty else {
            throw KanbotsError.invalidArgument("ask needs a non-empty 'question'")
        }
        let options = (arguments["options"]?.arrayValue ?? []).compactMap { $0.stringValue ?? $0.intValue.map(String.init) }
        var defaultAnswer = arguments["default"]?.stringValue ?? arguments["default"]?.intValue.map(String.init)
        if let given = defaultAnswer, let index = Int(given), options.indices.contains(index - 1) {
            defaultAnswer = options[index - 1]
        }
        let why = arguments["why"]?.stringValue
        let irreversible = arguments["irreversible"]?.boolValue ?? (arguments["irreversible"]?.stringValue == "true")
        return { number in
            Question(number: number, kind: .ask, text: text, options: options, defaultAnswer: defaultAnswer, why: why,
                     irreversible: irreversible)
        }
    }

    /// Records the question `draft` numbers, then waits for its answer.
    public func waitForAnswer(_ draft: (Int) -> Question) throws -> Answer {
        let repository = try KanbotsRepository(discoveringFrom: repositoryPath)
        let store = RunStore(repository)
        // The supervisor records `running` right after spawning the agent; a
        // question recorded before that would be overwritten by it.
        var record = try store.record(id)
        let startDeadline = Date().addingTimeInterval(120)
        while record.state == .queued, Date() < startDeadline {
            Thread.sleep(forTimeInterval: 0.05)
            record = try store.record(id)
        }
        let decisions = DecisionStore(repository)
        var delay = firstPoll
        var asked = try decisions.ask(id, draft)
        while asked == nil {
            // Another question of this run is open: ask once it is answered.
            Thread.sleep(forTimeInterval: delay)
            delay = min(delay * 1.5, slowestPoll)
            asked = try decisions.ask(id, draft)
        }
        let question = asked!
        delay = firstPoll
        while true {
            record = try store.record(id)
            if let answer = record.lastAnswer, answer.question == question.number { return answer }
            guard let open = record.openQuestion, open.number == question.number else {
                throw KanbotsError.invalidArgument(
                    "run \(id) is \(record.state.rawValue)\(record.reason.map { " (\($0))" } ?? ""); the question was not answered")
            }
            if let deadline = open.deadline(decideAfter: record.decideAfter), Date() >= deadline {
                // Loses harmlessly to a human who answered meanwhile.
                _ = try? decisions.answer(id, input: nil, source: .timeout, expecting: open.number)
                continue
            }
            Thread.sleep(forTimeInterval: delay)
            delay = min(delay * 1.5, slowestPoll)
        }
    }

    /// The JSON text Claude Code expects from a permission prompt tool.
    static func permissionResult(_ answer: Answer, input: Value) -> String {
        let allowed = ["allow", "yes", "y", "ok"].contains(answer.text.lowercased())
        let result: Value = allowed
            ? .object(["behavior": "allow", "updatedInput": input])
            : .object(["behavior": "deny", "message": .string(
                answer.text.lowercased() == "deny" ? "The human denied this tool call."
                    : "The human denied this tool call: \(answer.text)")])
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(result)).map { String(decoding: $0, as: UTF8.self) } ?? #"{"behavior":"deny"}"#
    }

    /// A tool call's input, short enough for one line on the board.
    static func summary(of input: Value) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let text = (try? encoder.encode(input)).map { String(decoding: $0, as: UTF8.self) } ?? ""
        return text.count > 300 ? String(text.prefix(299)) + "…" : text
    }
}
