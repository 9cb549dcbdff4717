import KanbotsCore

/// Renders agent events as the readable thread of `git kanbots log`.
///
/// Assistant text is shown in full, wrapped; everything else gets one line:
///
///     → Bash: swift test
///     ← ok, 12 lines
///     ⏳ rate limited (429), attempt 2/10, retry in 4.0s
///     ✓ completed in 5 turns, $0.0123
///
/// The renderer meters cost as it goes, so following a live run shows the
/// money spent so far without a second pass over the transcript.
public struct TranscriptRenderer: Sendable {
    /// Column at which assistant text is wrapped and one-liners are cut.
    public var width: Int
    /// Whether a "$… so far" line follows usage that changed the cost.
    public var showsRunningCost: Bool
    public private(set) var meter: CostMeter
    private var lastShownCost: String?

    public init(width: Int = 100, prices: PriceTable = .builtIn, showsRunningCost: Bool = true,
                sessionCostBeforeUSD: Double = 0) {
        self.width = max(width, 20)
        self.showsRunningCost = showsRunningCost
        self.meter = CostMeter(prices: prices, sessionCostBeforeUSD: sessionCostBeforeUSD)
    }

    /// The lines for one event (none for events a reader does not need).
    public mutating func render(_ event: AgentEvent) -> [String] {
        meter.record(event)
        switch event {
        case .sessionStarted(let session):
            let parts = ["session \(session.sessionID)", session.model, session.workingDirectory].compactMap { $0 }
            return [cut("● " + parts.joined(separator: " · "))]
        case .assistantText(let text):
            return wrap(text)
        case .toolUse(let tool):
            let summary = tool.inputSummary.isEmpty ? "" : ": \(tool.inputSummary)"
            return [cut("→ \(tool.name)\(summary)")]
        case .toolResult(let result):
            return [cut(describe(result))]
        case .usage:
            return runningCostLine()
        case .rateLimited(let retry):
            return [cut(describe(retry))]
        case .result(let result):
            return [cut(describe(result))]
        case .error(let message):
            return [cut("⚠ " + message.singleLine(limit: width))]
        case .unknown:
            return []
        case .malformed(let lineNumber, let byteOffset, let reason):
            return [cut("⚠ line \(lineNumber) (byte \(byteOffset)) unreadable: \(reason)")]
        }
    }

    /// The lines for events in order.
    public mutating func render(_ events: some Sequence<AgentEvent>) -> [String] {
        events.flatMap { render($0) }
    }

    private mutating func runningCostLine() -> [String] {
        guard showsRunningCost else { return [] }
        let shown = Self.dollars(meter.costUSD)
        guard shown != lastShownCost else { return [] }
        lastShownCost = shown
        return ["  · \(shown) so far"]
    }

    private func describe(_ result: ToolResult) -> String {
        if result.isError {
            let firstLine = result.preview.split(separator: "\n", maxSplits: 1).first.map(String.init) ?? ""
            return firstLine.isEmpty ? "← error" : "← error: " + firstLine.singleLine(limit: width)
        }
        switch result.lineCount {
        case 0: return "← ok"
        case 1: return "← ok, 1 line"
        default: return "← ok, \(result.lineCount) lines"
        }
    }

    private func describe(_ retry: RateLimit) -> String {
        var text = "⏳ "
        switch retry.errorStatus {
        case 429?: text += "rate limited (429)"
        case let status?: text += "API error (\(status)), retrying"
        case nil: text += "retrying"
        }
        text += ", attempt \(retry.attempt)"
        if let maxRetries = retry.maxRetries { text += "/\(maxRetries)" }
        if let delay = retry.retryDelayMilliseconds {
            text += ", retry in " + String(printf: "%.1fs", Double(delay) / 1000)
        }
        return text
    }

    private func describe(_ result: AgentResult) -> String {
        let turns = result.turnCount ?? meter.turnCount
        let turnText = "\(turns) turn\(turns == 1 ? "" : "s")"
        let cost = Self.dollars(meter.costUSD)
        guard result.isError else { return "✓ completed in \(turnText), \(cost)" }
        var reason = result.endReason
        if let status = result.apiErrorStatus { reason += " \(status)" }
        var text = "✗ failed (\(reason)) after \(turnText), \(cost)"
        if let message = result.message, !message.isEmpty { text += ": " + message.singleLine(limit: width) }
        return text
    }

    /// Word-wraps text at `width`, keeping its line breaks and blank lines.
    private func wrap(_ text: String) -> [String] {
        var lines: [String] = []
        for paragraph in text.split(separator: "\n", omittingEmptySubsequences: false) {
            var line = ""
            for word in paragraph.split(separator: " ", omittingEmptySubsequences: true) {
                if line.isEmpty {
                    line = String(word)
                } else if line.count + 1 + word.count <= width {
                    line += " " + word
                } else {
                    lines.append(line)
                    line = String(word)
                }
            }
            lines.append(line)
        }
        while lines.last?.isEmpty == true { lines.removeLast() }
        return lines
    }

    private func cut(_ line: String) -> String {
        line.count <= width ? line : String(line.prefix(width - 1)) + "…"
    }

    static func dollars(_ amount: Double) -> String {
        String(printf: "$%.4f", amount)
    }
}
