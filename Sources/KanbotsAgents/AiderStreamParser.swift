import KanbotsCore

/// Adapter for the transcript `git-kanbots aider-client` writes for Aider,
/// whose own output is plain text (docs/agents.md, "Aider"):
///
/// - `{"type":"aider_output","text":…}`: what Aider printed between two token
///   reports (the model's answer, "Applied edit to …", "Commit …");
/// - `{"type":"aider_usage","sent":N,"received":N,"message_cost_usd":x,"session_cost_usd":y}`:
///   one "Tokens: … Cost: …" report (the costs are null when Aider knows no price);
/// - `{"type":"aider_result","exit_status":N,"session_cost_usd":y}`: the end.
public struct AiderStreamParser: StreamParser {
    /// The model the run asked for, to price the tokens.
    public var model: String?
    private var reports = 0
    private var sessionCostUSD: Double?

    public init(model: String? = nil) { self.model = model }

    public mutating func events(fromLine line: Data, lineNumber: Int, byteOffset: Int) -> [AgentEvent] {
        let object: JSONObject
        switch decodeLine(line) {
        case .blank: return []
        case .malformed(let reason): return [.malformed(lineNumber: lineNumber, byteOffset: byteOffset, reason: reason)]
        case .object(let decoded): object = decoded
        }
        let type = stringValue(object["type"]) ?? ""
        switch type {
        case "aider_output":
            let text = stringValue(object["text"]) ?? ""
            return text.isEmpty ? [] : [.assistantText(text)]
        case "aider_usage":
            reports += 1
            if let cost = doubleValue(object["session_cost_usd"]) { sessionCostUSD = cost }
            let tokens = TokenCounts(input: intValue(object["sent"]) ?? 0, output: intValue(object["received"]) ?? 0)
            return [.usage(TokenUsage(messageID: "aider-\(reports)", model: model ?? "unknown", tokens: tokens))]
        case "aider_result":
            let status = intValue(object["exit_status"]) ?? 0
            if let cost = doubleValue(object["session_cost_usd"]) { sessionCostUSD = cost }
            return [.result(AgentResult(
                isError: status != 0, subtype: status == 0 ? "success" : "aider_exited \(status)",
                totalCostUSD: sessionCostUSD, turnCount: reports, message: stringValue(object["message"])))]
        default:
            return [.unknown(type: type.isEmpty ? "untyped" : type)]
        }
    }

    /// Reads Aider's "Tokens: 2.1k sent, 120 received. Cost: $0.01 message,
    /// $0.02 session." (cache counts may sit between; the cost part may be absent).
    public static func tokenReport(_ line: String) -> (sent: Int, received: Int, message: Double?, session: Double?)? {
        guard line.hasPrefix("Tokens: ") else { return nil }
        let words = line.dropFirst("Tokens: ".count).split(separator: " ").map(String.init)
        func count(before label: String) -> Int? {
            guard let index = words.firstIndex(where: { $0.hasPrefix(label) }), index > 0 else { return nil }
            return abbreviated(words[index - 1])
        }
        func dollars(before label: String) -> Double? {
            guard let index = words.firstIndex(where: { $0.hasPrefix(label) }), index > 0,
                  words[index - 1].hasPrefix("$") else { return nil }
            return Double(words[index - 1].dropFirst().filter { $0 != "," })
        }
        guard let sent = count(before: "sent"), let received = count(before: "received") else { return nil }
        return (sent, received, dollars(before: "message"), dollars(before: "session"))
    }

    /// `594`, `2.1k`, `1.2M` as Aider abbreviates token counts.
    static func abbreviated(_ text: String) -> Int? {
        let trimmed = text.trimming(charactersIn: ",.")
        let multipliers: [Character: Double] = ["k": 1_000, "K": 1_000, "m": 1_000_000, "M": 1_000_000]
        if let last = trimmed.last, let multiplier = multipliers[last], let value = Double(trimmed.dropLast()) {
            return Int((value * multiplier).rounded())
        }
        return Int(trimmed)
    }
}
