import KanbotsCore
import KanbotsStore

/// Several attempts of one card at once (`dispatch --attempts N`; the
/// autopilot's and the merge queue's attempts build on it): docs/review.md,
/// "Attempts".
extension RunActions {
    /// How many attempts, and the agents and models they take in turn.
    public struct AttemptPlan: Sendable, Equatable {
        /// More is a typo, not a plan: each attempt is an agent and a worktree.
        public static let maxAttempts = 50

        public var count: Int
        /// Nil entries: the usual default (the card's, the persona's, git config's).
        public var agents: [String?]
        public var models: [String?]

        /// From the options as typed: comma-separated names, taken in turn;
        /// without a count, one attempt per name.
        public init(count: Int?, agents: String?, models: String?) throws {
            self.agents = try Self.names(agents, option: "agent")
            self.models = try Self.names(models, option: "model")
            if let count, !(1...Self.maxAttempts).contains(count) {
                throw KanbotsError.invalidArgument("--attempts must be between 1 and \(Self.maxAttempts), not \(count)")
            }
            let names = max(self.agents.count, self.models.count)
            self.count = count ?? names
            if names > self.count {
                throw KanbotsError.invalidArgument(
                    "\(names) agents or models for \(self.count) attempt\(self.count == 1 ? "" : "s"); "
                        + "give --attempts \(names) or fewer names")
            }
        }

        public func agent(_ attempt: Int) -> String? { agents[attempt % agents.count] }
        public func model(_ attempt: Int) -> String? { models[attempt % models.count] }

        private static func names(_ value: String?, option: String) throws -> [String?] {
            guard let value else { return [nil] }
            let items = value.split(separator: ",", omittingEmptySubsequences: false)
                .map { $0.trimmingCharacters(in: .whitespaces) }
            guard !items.contains(where: \.isEmpty) else {
                throw KanbotsError.invalidArgument(
                    "--\(option) '\(value)' has an empty name; give names separated by commas, e.g. claude,codex")
            }
            return items
        }
    }

    public struct AttemptsStarted {
        public var started: [Dispatched]
        /// The attempt (from 0) that did not start, and why; those before it keep running.
        public var failure: (attempt: Int, error: any Error)?
    }

    /// Dispatches the plan's attempts one after the other (each returns at
    /// once). The first one's error is thrown, as for a single dispatch;
    /// a later one's is returned with the attempts already started.
    public func dispatchAttempts(_ input: DispatchInput, plan: AttemptPlan) throws -> AttemptsStarted {
        var started: [Dispatched] = []
        for attempt in 0..<plan.count {
            var one = input
            one.agent = plan.agent(attempt) ?? input.agent
            one.model = plan.model(attempt) ?? input.model
            do {
                started.append(try dispatch(one))
            } catch where !started.isEmpty {
                return AttemptsStarted(started: started, failure: (attempt, error))
            }
        }
        return AttemptsStarted(started: started, failure: nil)
    }
}
