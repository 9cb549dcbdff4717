import KanbotsCore

/// Adapter for the transcript of an Agent Client Protocol run: every
/// JSON-RPC message the agent wrote, verbatim, one per line, plus the
/// client's own `{"type":"kanbots_acp_error"}` lines (docs/agents.md).
///
/// - a result carrying `sessionId` (the answer to `session/new`) starts the session;
/// - `session/update` notifications: `agent_message_chunk`s are joined into
///   one text (flushed by the next other message), `tool_call` and
///   `tool_call_update` become tool use and result, `plan` a line of text,
///   `usage_update` the session's running cost;
/// - a result carrying `stopReason` (the answer to `session/prompt`) ends
///   the run, with its `usage` tokens when the agent reports them.
public struct ACPStreamParser: StreamParser {
    /// The model the run asked for, to price reported tokens.
    public var model: String?
    private var sessionID: String?
    private var pendingText = ""
    /// The session's cost in USD from the latest `usage_update`.
    private var reportedCostUSD: Double?
    private var prompts = 0

    public init(model: String? = nil) { self.model = model }

    public mutating func events(fromLine line: Data, lineNumber: Int, byteOffset: Int) -> [AgentEvent] {
        let object: JSONObject
        switch decodeLine(line) {
        case .blank: return []
        case .malformed(let reason):
            return flushText() + [.malformed(lineNumber: lineNumber, byteOffset: byteOffset, reason: reason)]
        case .object(let decoded): object = decoded
        }
        if stringValue(object["type"]) == "kanbots_acp_error" {
            return flushText() + [.error(stringValue(object["message"]) ?? "ACP client error")]
        }
        if let method = stringValue(object["method"]) {
            let params = object["params"] as? JSONObject ?? [:]
            if method == "session/update", let update = params["update"] as? JSONObject {
                return updateEvents(update)
            }
            return flushText() + [.unknown(type: method)]
        }
        if let error = object["error"] as? JSONObject {
            let code = intValue(error["code"]).map { " (\($0))" } ?? ""
            return flushText() + [.error("agent error\(code): \(stringValue(error["message"]) ?? "no message")")]
        }
        guard let result = object["result"] as? JSONObject else {
            return flushText() + [.malformed(lineNumber: lineNumber, byteOffset: byteOffset,
                                             reason: "neither a JSON-RPC request, notification nor response")]
        }
        if let stopReason = stringValue(result["stopReason"]) { return flushText() + promptEnded(stopReason, result) }
        if let session = stringValue(result["sessionId"]) {
            sessionID = session
            return flushText() + [.sessionStarted(SessionInfo(sessionID: session, model: model))]
        }
        return flushText()
    }

    private mutating func updateEvents(_ update: JSONObject) -> [AgentEvent] {
        let kind = stringValue(update["sessionUpdate"]) ?? "unknown"
        if kind == "agent_message_chunk" {
            if let content = update["content"] as? JSONObject, let text = stringValue(content["text"]) {
                pendingText += text
            }
            return []
        }
        var events = flushText()
        switch kind {
        case "tool_call":
            let id = stringValue(update["toolCallId"]) ?? ""
            events.append(.toolUse(ToolUse(id: id, name: stringValue(update["kind"]) ?? "tool",
                                           inputSummary: stringValue(update["title"]) ?? "")))
        case "tool_call_update":
            let status = stringValue(update["status"])
            guard status == "completed" || status == "failed" else { break }
            let output = Self.text(of: update["content"])
            events.append(.toolResult(ToolResult(
                toolUseID: stringValue(update["toolCallId"]) ?? "", isError: status == "failed",
                preview: output.count > 200 ? String(output.prefix(199)) + "…" : output,
                byteCount: output.utf8.count, lineCount: output.isEmpty ? 0 : output.split(separator: "\n").count)))
        case "plan":
            let entries = (update["entries"] as? [Any] ?? []).compactMap { ($0 as? JSONObject).flatMap { stringValue($0["content"]) } }
            events.append(.assistantText("Plan: " + entries.joined(separator: "; ")))
        case "usage_update":
            if let cost = update["cost"] as? JSONObject, stringValue(cost["currency"]) ?? "USD" == "USD",
               let amount = doubleValue(cost["amount"]) {
                reportedCostUSD = amount
            }
        default:
            events.append(.unknown(type: kind))
        }
        return events
    }

    private mutating func promptEnded(_ stopReason: String, _ result: JSONObject) -> [AgentEvent] {
        prompts += 1
        var events: [AgentEvent] = []
        var tokens: TokenCounts?
        if let usage = result["usage"] as? JSONObject {
            let counts = TokenCounts(
                input: intValue(usage["inputTokens"]) ?? 0,
                output: (intValue(usage["outputTokens"]) ?? 0) + (intValue(usage["thoughtTokens"]) ?? 0),
                cacheCreation: intValue(usage["cachedWriteTokens"]) ?? 0,
                cacheRead: intValue(usage["cachedReadTokens"]) ?? 0)
            tokens = counts
            events.append(.usage(TokenUsage(messageID: "acp-prompt-\(prompts)", model: model ?? "unknown", tokens: counts)))
        }
        events.append(.result(AgentResult(
            isError: stopReason == "refusal", subtype: stopReason, totalCostUSD: reportedCostUSD, turnCount: prompts,
            sessionID: sessionID, tokens: tokens)))
        return events
    }

    private mutating func flushText() -> [AgentEvent] {
        guard !pendingText.isEmpty else { return [] }
        defer { pendingText = "" }
        return [.assistantText(pendingText)]
    }

    /// The text of a tool call's content list (`{"type":"content","content":{"type":"text",...}}`).
    static func text(of content: Any?) -> String {
        (content as? [Any] ?? []).compactMap { item -> String? in
            guard let item = item as? JSONObject else { return nil }
            if let inner = item["content"] as? JSONObject { return stringValue(inner["text"]) }
            return stringValue(item["text"])
        }.joined(separator: "\n")
    }
}
