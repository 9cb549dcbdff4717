import KanbotsCore

/// Adapter for Claude Code's `claude -p --output-format stream-json --verbose`.
///
/// The stream has one `assistant` event per content block, each repeating its
/// message's `usage`, and that usage is a snapshot taken when the message
/// started: its `output_tokens` is often 1. So usage is reported once per
/// message id, and again only when a later block of the same message shows
/// more tokens. Because the reported output count lags, the parser also
/// estimates output tokens from the size of the content it has seen (about
/// three bytes per token, which errs high for prose and code) and reports the
/// larger figure: a live cost cap must not be blind to a long answer. The
/// final `result` event reconciles the figure with what Claude billed.
public struct ClaudeStreamParser: StreamParser {
    private struct MessageUsage {
        var reported: TokenCounts
        var contentBytes: Int
        var lastSent: TokenCounts?
    }

    /// Whether output tokens are estimated from content size when that is
    /// more than Claude reported so far (see above).
    public var estimatesOutputTokens: Bool
    /// Usage seen so far per message id; small (one entry per model response).
    private var messages: [String: MessageUsage] = [:]

    public init(estimatesOutputTokens: Bool = true) {
        self.estimatesOutputTokens = estimatesOutputTokens
    }

    public mutating func events(fromLine line: Data, lineNumber: Int, byteOffset: Int) -> [AgentEvent] {
        let object: JSONObject
        switch decodeLine(line) {
        case .blank: return []
        case .malformed(let reason):
            return [.malformed(lineNumber: lineNumber, byteOffset: byteOffset, reason: reason)]
        case .object(let decoded): object = decoded
        }
        guard let type = stringValue(object["type"]) else {
            return [.malformed(lineNumber: lineNumber, byteOffset: byteOffset, reason: "no \"type\" field")]
        }
        switch type {
        case "system": return systemEvents(object)
        case "assistant": return assistantEvents(object, lineNumber: lineNumber)
        case "user": return userEvents(object)
        case "result": return [.result(result(from: object))]
        default: return [.unknown(type: type)]
        }
    }

    private func systemEvents(_ object: JSONObject) -> [AgentEvent] {
        let subtype = stringValue(object["subtype"]) ?? ""
        switch subtype {
        case "init":
            let session = SessionInfo(
                sessionID: stringValue(object["session_id"]) ?? "",
                model: stringValue(object["model"]),
                workingDirectory: stringValue(object["cwd"])
            )
            return [.sessionStarted(session)]
        case "api_retry":
            let retry = RateLimit(
                attempt: intValue(object["attempt"]) ?? 1,
                maxRetries: intValue(object["max_retries"]),
                retryDelayMilliseconds: intValue(object["retry_delay_ms"]),
                errorStatus: intValue(object["error_status"]),
                errorDescription: stringValue(object["error"])
            )
            return [.rateLimited(retry)]
        default:
            return [.unknown(type: subtype.isEmpty ? "system" : "system/\(subtype)")]
        }
    }

    private mutating func assistantEvents(_ object: JSONObject, lineNumber: Int) -> [AgentEvent] {
        guard let message = object["message"] as? JSONObject else { return [.unknown(type: "assistant")] }
        var events: [AgentEvent] = []
        var contentBytes = 0
        if let text = stringValue(message["content"]) {
            contentBytes += text.utf8.count
            if !text.isEmpty { events.append(.assistantText(text)) }
        }
        for case let block as JSONObject in message["content"] as? [Any] ?? [] {
            switch stringValue(block["type"]) {
            case "text":
                contentBytes += approximateTextSize(block["text"])
                if let text = stringValue(block["text"]), !text.isEmpty { events.append(.assistantText(text)) }
            case "thinking":
                contentBytes += approximateTextSize(block["thinking"])
            case "tool_use", "server_tool_use":
                let name = stringValue(block["name"]) ?? "tool"
                let input = block["input"]
                contentBytes += approximateTextSize(input)
                let summary = summarizeToolInput(name: name, input: input)
                events.append(.toolUse(ToolUse(id: stringValue(block["id"]) ?? "", name: name, inputSummary: summary)))
            default:
                break
            }
        }
        let model = stringValue(message["model"]) ?? ""
        // "<synthetic>" messages are Claude Code's own error notices, not API calls.
        if model != "<synthetic>", let usage = message["usage"] as? JSONObject {
            let messageID = stringValue(message["id"]) ?? "line-\(lineNumber)"
            let reported = tokenCounts(fromSnakeCase: usage)
            if let update = recordUsage(messageID: messageID, model: model, reported: reported, contentBytes: contentBytes) {
                events.insert(.usage(update), at: 0)
            }
        }
        return events
    }

    /// Merges one snapshot into the message's usage; returns the usage to
    /// report, or nil when nothing grew since the last report.
    private mutating func recordUsage(
        messageID: String, model: String, reported: TokenCounts, contentBytes: Int
    ) -> TokenUsage? {
        var entry = messages[messageID] ?? MessageUsage(reported: .zero, contentBytes: 0, lastSent: nil)
        entry.reported = TokenCounts(
            input: max(entry.reported.input, reported.input),
            output: max(entry.reported.output, reported.output),
            cacheCreation: max(entry.reported.cacheCreation, reported.cacheCreation),
            cacheRead: max(entry.reported.cacheRead, reported.cacheRead)
        )
        entry.contentBytes += contentBytes
        var tokens = entry.reported
        if estimatesOutputTokens { tokens.output = max(tokens.output, (entry.contentBytes + 2) / 3) }
        defer { messages[messageID] = entry }
        guard tokens != entry.lastSent else { return nil }
        entry.lastSent = tokens
        return TokenUsage(messageID: messageID, model: model, tokens: tokens)
    }

    private func userEvents(_ object: JSONObject) -> [AgentEvent] {
        guard let message = object["message"] as? JSONObject,
            let blocks = message["content"] as? [Any]
        else { return [] }  // A plain-text user message is the prompt echoed back.
        var events: [AgentEvent] = []
        for case let block as JSONObject in blocks where stringValue(block["type"]) == "tool_result" {
            events.append(.toolResult(ToolResult(
                toolUseID: stringValue(block["tool_use_id"]) ?? "",
                isError: boolValue(block["is_error"]) ?? false,
                outputValue: toolResultOutput(block["content"])
            )))
        }
        return events
    }

    /// Tool result content is either a string or an array of content blocks;
    /// a lone text block is passed on as is, so it need not be decoded.
    private func toolResultOutput(_ content: Any?) -> Any? {
        guard let blocks = content as? [Any] else { return content }
        if blocks.count == 1, let block = blocks[0] as? JSONObject, stringValue(block["type"]) == "text" {
            return block["text"]
        }
        var parts: [String] = []
        for case let block as JSONObject in blocks {
            switch stringValue(block["type"]) {
            case "text": parts.append(stringValue(block["text"]) ?? "")
            case "image": parts.append("[image]")
            case let other?: parts.append("[\(other)]")
            case nil: break
            }
        }
        return parts.joined(separator: "\n")
    }

    private func result(from object: JSONObject) -> AgentResult {
        var modelCosts: [String: Double] = [:]
        for (model, value) in object["modelUsage"] as? JSONObject ?? [:] {
            if let entry = value as? JSONObject, let cost = doubleValue(entry["costUSD"]) {
                modelCosts[model] = cost
            }
        }
        let isError = boolValue(object["is_error"]) ?? false
        var message = stringValue(object["result"])
        if let errors = object["errors"] as? [String], !errors.isEmpty, message?.isEmpty ?? true {
            message = errors.joined(separator: "; ")
        }
        return AgentResult(
            isError: isError,
            subtype: stringValue(object["subtype"]) ?? (isError ? "error" : "success"),
            totalCostUSD: doubleValue(object["total_cost_usd"]),
            turnCount: intValue(object["num_turns"]),
            sessionID: stringValue(object["session_id"]),
            tokens: (object["usage"] as? JSONObject).map(tokenCounts(fromSnakeCase:)),
            modelCosts: modelCosts,
            terminalReason: stringValue(object["terminal_reason"]),
            message: message,
            apiErrorStatus: intValue(object["api_error_status"]),
            durationMilliseconds: intValue(object["duration_ms"])
        )
    }

    private func tokenCounts(fromSnakeCase usage: JSONObject) -> TokenCounts {
        TokenCounts(
            input: intValue(usage["input_tokens"]) ?? 0,
            output: intValue(usage["output_tokens"]) ?? 0,
            cacheCreation: intValue(usage["cache_creation_input_tokens"]) ?? 0,
            cacheRead: intValue(usage["cache_read_input_tokens"]) ?? 0
        )
    }
}
