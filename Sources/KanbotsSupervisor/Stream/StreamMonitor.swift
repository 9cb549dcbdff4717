import KanbotsCore

/// What a supervisor learns from an agent's stream, line by line.
public protocol StreamMonitor {
    mutating func consume(_ line: Data)
    /// Metered cost so far in USD (reconciled with the agent's own figure
    /// once it reports one).
    var costUSD: Double { get }
    var turns: Int { get }
    var sessionID: String? { get }
    var model: String? { get }
    var rateLimit: LiveStatus.RateLimit? { get }
    /// Set once the agent reported its final result.
    var result: StreamResult? { get }
    var events: Int { get }
    /// False when the stream reported neither a cost nor tokens.
    var isMetered: Bool { get }
    /// Whether the agent ran the project's tests, and how the last run ended.
    var agentTested: AgentTested { get }
}

public struct StreamResult: Sendable, Equatable {
    public var isError: Bool
    public var subtype: String?
    /// The agent's final words: its answer, or the error it ended on.
    public var message: String?

    public init(isError: Bool, subtype: String?, message: String? = nil) {
        self.isError = isError
        self.subtype = subtype
        self.message = message
    }
}
