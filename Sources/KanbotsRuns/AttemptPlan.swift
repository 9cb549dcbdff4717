import KanbotsCore
import KanbotsStore

/// How many attempts of a card, and the agents and models they take in
/// turn (`dispatch --attempts N --agent a,b`, `autopilot start --attempts N`;
/// docs/review.md, "Attempts").
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

    /// One attempt with these names as they are: what an autopilot session
    /// recorded before `--attempts` existed, or with a list it cannot read.
    public init(agent: String?, model: String?) {
        count = 1
        agents = [agent]
        models = [model]
    }

    public func agent(_ attempt: Int) -> String? { agents[attempt % agents.count] }
    public func model(_ attempt: Int) -> String? { models[attempt % models.count] }

    private static func names(_ value: String?, option: String) throws -> [String?] {
        guard let value else { return [nil] }
        let items = value.split(separator: ",", omittingEmptySubsequences: false)
            .map { $0.trimmingSpaces() }
        guard !items.contains(where: \.isEmpty) else {
            throw KanbotsError.invalidArgument(
                "--\(option) '\(value)' has an empty name; give names separated by commas, e.g. claude,codex")
        }
        return items
    }
}
