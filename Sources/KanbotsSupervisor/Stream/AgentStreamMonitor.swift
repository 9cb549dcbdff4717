import KanbotsAgents
import KanbotsCore
import KanbotsStore

/// The supervisor's view of an agent stream: the agent's own parser feeding
/// the cost meter, so the cap is enforced on what the stream says, live.
public struct AgentStreamMonitor: StreamMonitor {
    private var parser: any StreamParser
    private var meter: CostMeter
    /// Codex's `turn.completed` sums the whole thread, earlier runs included.
    private let usageIsThreadWide: Bool
    private var testDetector: AgentTestDetector
    private var lineNumber = 0
    private var byteOffset = 0
    public private(set) var events = 0
    public private(set) var malformedLines = 0

    /// Whether the stream reported a cost or tokens at all (an ACP agent may not).
    public private(set) var isMetered = false

    public init(agent: String, agentProtocol: String? = nil, model: String?, prices: PriceTable,
                sessionCostBeforeUSD: Double = 0, testCommands: [String] = AgentTestDetector.defaultTestCommands) {
        let kind = AgentKind(agent: agent, agentProtocol: agentProtocol)
        parser = kind.makeParser(model: model)
        meter = CostMeter(prices: prices, sessionCostBeforeUSD: sessionCostBeforeUSD)
        usageIsThreadWide = kind == .codex
        testDetector = AgentTestDetector(testCommands: testCommands)
    }

    /// The monitor for one run's stream.
    public init(record: RunRecord, prices: PriceTable,
                testCommands: [String] = AgentTestDetector.defaultTestCommands) {
        let before = record.extraValue(RunRecord.sessionCostBeforeKey).flatMap(Double.init) ?? 0
        self.init(agent: record.agent, agentProtocol: record.agentProtocol, model: record.model, prices: prices,
                  sessionCostBeforeUSD: before, testCommands: testCommands)
    }

    /// Prices from `kanbots.price.*` in git config over the built-in table.
    public static func prices(settings: Settings, repository: KanbotsRepository) throws -> PriceTable {
        let entries = (try? repository.git.configEntries(prefix: PriceTable.configPrefix)) ?? []
        do {
            return try PriceTable.builtIn.applyingOverrides(entries)
        } catch {
            throw KanbotsError.invalidArgument("bad price in git config: \(error)")
        }
    }

    public mutating func consume(_ line: Data) {
        lineNumber += 1
        let produced = parser.events(fromLine: line, lineNumber: lineNumber, byteOffset: byteOffset)
        byteOffset += line.count + 1
        for event in produced {
            events += 1
            switch event {
            case .malformed: malformedLines += 1
            case .usage: isMetered = true
            case .result(let result) where result.totalCostUSD != nil: isMetered = true
            default: break
            }
            meter.record(event)
            testDetector.consume(event)
        }
    }

    /// A resumed Codex thread reports its whole usage again; what the runs
    /// before this one cost is taken off, so a reply pays for its own turn.
    public var costUSD: Double {
        usageIsThreadWide && !meter.isReconciled ? max(0, meter.costUSD - meter.sessionCostBeforeUSD) : meter.costUSD
    }
    public var turns: Int { meter.turnCount }
    public var sessionID: String? { meter.sessionID }
    public var agentTested: AgentTested { testDetector.verdict }
    public var model: String? { meter.model }

    public var rateLimit: LiveStatus.RateLimit? {
        meter.rateLimit.map { limit in
            LiveStatus.RateLimit(
                attempt: limit.attempt, maxRetries: limit.maxRetries, errorStatus: limit.errorStatus,
                retryAt: Date().addingTimeInterval(Double(limit.retryDelayMilliseconds ?? 0) / 1000))
        }
    }

    public var result: StreamResult? {
        meter.result.map { StreamResult(isError: $0.isError, subtype: $0.endReason, message: $0.message) }
    }
}
