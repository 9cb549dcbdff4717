import KanbotsCore

/// The live cost of a run, computed from its events as they arrive.
///
/// Usage is priced per model as it streams in (`meteredCostUSD`). When the
/// agent states its own total (Claude's `result.total_cost_usd`), that figure
/// replaces the metered one, because it is what was billed; anything metered
/// after it is added on top, so a session that goes on after a result keeps
/// counting. Feed every event of a transcript, in order, to one meter.
public struct CostMeter: Sendable {
    public var prices: PriceTable
    /// What the agent's session had cost before this run. A resumed Claude
    /// session reports `total_cost_usd` for the whole session, so the run's
    /// own share is that total minus this.
    public var sessionCostBeforeUSD: Double

    /// Cost of the usage seen so far, at `prices`.
    public private(set) var meteredCostUSD: Double = 0
    /// Whether `costUSD` rests on a total the agent reported.
    public private(set) var isReconciled = false
    private var reconciledCostUSD: Double = 0
    private var meteredAtReconciliation: Double = 0

    /// Model responses seen so far; replaced by the agent's count when it gives one.
    public private(set) var turnCount = 0
    public private(set) var tokens: TokenCounts = .zero
    public private(set) var sessionID: String?
    public private(set) var model: String?
    /// The retry the agent is waiting on, if its latest news was a retry.
    /// Cleared by the next sign of progress, so a caller can tell a run
    /// that is waiting out a 429 from one that is working.
    public private(set) var rateLimit: RateLimit?
    /// How the agent said the run ended, once it has.
    public private(set) var result: AgentResult?

    /// Per message id: the usage last counted and the cost it was counted at.
    private var counted: [String: (tokens: TokenCounts, cost: Double)] = [:]
    private var turnCountFromAgent: Int?

    public init(prices: PriceTable = .builtIn, sessionCostBeforeUSD: Double = 0) {
        self.prices = prices
        self.sessionCostBeforeUSD = sessionCostBeforeUSD
    }

    /// The best current figure for the run's cost, in USD.
    public var costUSD: Double {
        isReconciled ? reconciledCostUSD + (meteredCostUSD - meteredAtReconciliation) : meteredCostUSD
    }

    public var isRateLimited: Bool { rateLimit != nil }

    /// Whether the run has reached `cap` (USD). Reaching counts as crossing:
    /// the next model turn would only take the run further past it.
    public func crosses(cap: Double) -> Bool {
        costUSD >= cap
    }

    /// Updates the meter with one event.
    public mutating func record(_ event: AgentEvent) {
        switch event {
        case .sessionStarted(let session):
            sessionID = session.sessionID
            if let sessionModel = session.model { model = sessionModel }
        case .usage(let usage):
            rateLimit = nil
            recordUsage(usage)
        case .rateLimited(let retry):
            rateLimit = retry
        case .result(let agentResult):
            rateLimit = nil
            recordResult(agentResult)
        case .assistantText, .toolUse, .toolResult:
            rateLimit = nil
        case .error, .unknown, .malformed:
            break
        }
    }

    /// Updates the meter with events in order.
    public mutating func record(_ events: some Sequence<AgentEvent>) {
        for event in events { record(event) }
    }

    private mutating func recordUsage(_ usage: TokenUsage) {
        let cost = prices.cost(of: usage)
        if let previous = counted[usage.messageID] {
            // A later snapshot of the same response supersedes the earlier one.
            meteredCostUSD += cost - previous.cost
            tokens = tokens - previous.tokens + usage.tokens
        } else {
            meteredCostUSD += cost
            tokens = tokens + usage.tokens
            turnCount = max(turnCountFromAgent ?? 0, turnCount + 1)
        }
        counted[usage.messageID] = (usage.tokens, cost)
        if !usage.model.isEmpty, usage.model != "unknown" { model = usage.model }
    }

    private mutating func recordResult(_ agentResult: AgentResult) {
        result = agentResult
        if let id = agentResult.sessionID, !id.isEmpty { sessionID = id }
        if let count = agentResult.turnCount {
            turnCountFromAgent = count
            turnCount = count
        }
        if let total = agentResult.totalCostUSD, total.isFinite {
            isReconciled = true
            reconciledCostUSD = max(0, total - sessionCostBeforeUSD)
            meteredAtReconciliation = meteredCostUSD
        }
    }
}
