import Foundation
import KanbotsCore
import KanbotsStore

/// One version of a run's record: a commit on `refs/kanbots/runs/<id>`.
public struct RunTransition: Encodable, Sendable {
    public var state: String
    public var reason: String?
    public var at: Date
    public var commit: String
    /// The question asked (awaiting_decision) or the answer given (the
    /// version right after), so the lifecycle tells the decisions too.
    public var question: String?
    public var answer: String?
}

/// A run with its lifecycle: `show --json` and the web board's run view.
public struct RunDetailJSON: Encodable {
    public var run: RunJSON
    public var transitions: [RunTransition]

    public init(run: RunJSON, transitions: [RunTransition]) {
        self.run = run
        self.transitions = transitions
    }
}

/// The lifecycle of a run, oldest first: the history of its record's ref.
public func runTransitions(_ id: RunID, in repository: KanbotsRepository) throws -> [RunTransition] {
    var previous: RunRecord?
    return try RunStore(repository).history(id).map { entry in
        defer { previous = entry.record }
        let answered = previous?.openQuestion != nil && entry.record?.openQuestion == nil
        return RunTransition(
            state: entry.record?.state.rawValue ?? "unreadable", reason: entry.record?.reason,
            at: entry.record?.updatedAt ?? entry.commit.time, commit: entry.commit.id.hex,
            question: entry.record?.openQuestion?.text,
            answer: answered ? entry.record?.lastAnswer.map { "\($0.text) (\($0.source.rawValue))" } : nil)
    }
}
