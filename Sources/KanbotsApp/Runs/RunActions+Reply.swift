import Foundation
import KanbotsCore
import KanbotsRuns
import KanbotsStore

/// Talking to a run that has stopped to listen: a follow-up message for an
/// ended run (`reply`), the answer to the question a run waits on
/// (`answer`). Both front ends call these, so the checks and the errors are
/// the same wherever the action comes from.
extension RunActions {
    /// What answering a question did: the question, the answer recorded and
    /// who acts on it (the waiting agent, a re-attached supervisor, a resumed
    /// session, or nobody: the run was recorded failed).
    public typealias Answered = Answerer.Result

    /// Continues an ended run as a new run on the same branch and worktree,
    /// in the same agent session where the agent can resume one.
    /// - Parameter cap: the new run's cost cap in USD; nil takes the answered run's.
    public func reply(_ id: RunID, message: String, cap: Double? = nil) throws -> RunRecord {
        try Self.checkCap(cap)
        guard !message.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
            throw IncompleteRequest("the reply is empty; say what the agent should do next")
        }
        return try Dispatcher(repository).reply(ReplyRequest(run: id, message: message, capUSD: cap))
    }

    /// Answers the question run `id` waits on; nil takes the question's default.
    public func answer(_ id: RunID, with input: String?) throws -> Answered {
        try Answerer(repository).answer(id, input: input)
    }

    /// A cost cap as typed: positive, or the run would be capped before it starts.
    static func checkCap(_ cap: Double?) throws {
        if let cap, !(cap > 0) { throw KanbotsError.invalidArgument("--cap must be a positive amount of USD") }
    }
}

/// A request that lacks what it must say, refused before anything is read
/// or changed: the web board answers it 400, like a malformed body.
public struct IncompleteRequest: ExplainedError {
    public var description: String

    public init(_ description: String) { self.description = description }
}

extension Answerer.Delivery {
    /// The delivery as `answer --json` and the API name it.
    public var name: String {
        switch self {
        case .delivered: "delivered"
        case .reattached: "reattached"
        case .resumed: "resumed"
        case .failed: "failed"
        }
    }
}

extension AnswerJSON {
    public init(_ answered: RunActions.Answered, run id: RunID) {
        self.init(run: id.description, question: QuestionJSON(answered.question, decideAfter: nil),
                  answer: answered.answer.text, delivery: answered.delivery.name)
    }
}

/// What `dispatch --json` and `reply --json` print: the run they started.
/// `card` is a number, as everywhere else in the JSON.
public struct StartedRunJSON: Encodable {
    public var id: String
    public var card: Int
    public var branch: String
    /// Absolute, so a script can `cd` into it.
    public var worktree: String
    public var agent: String
    /// The run a reply continues; null for a dispatch.
    public var replyTo: String?

    public init(_ record: RunRecord, in repository: KanbotsRepository) {
        id = record.id.description
        card = record.card
        branch = record.branch
        worktree = repository.absolutePath(record.worktree)
        agent = record.agent
        replyTo = record.replyTo?.description
    }
}
