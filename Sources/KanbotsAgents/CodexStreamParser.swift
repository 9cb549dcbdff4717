import KanbotsCore

/// Adapter for the Codex CLI's `codex exec --json` stream.
///
/// Codex reports work as items (`item.started` / `item.updated` /
/// `item.completed`) and usage only once, in `turn.completed`. Items that are
/// tool calls become a `.toolUse` the first time they are seen (some kinds,
/// such as file changes, only ever arrive completed) and a `.toolResult` when
/// they complete. The stream never names the model, so it is given here.
///
/// Codex's `input_tokens` include the cached ones (read and written); they
/// are split so that `TokenCounts.input` means uncached input for every
/// agent. `turn.completed` reports the thread's running total (checked with
/// Codex 0.163.0): a resumed thread's usage includes the earlier runs', which
/// the supervisor takes off (`Session-Cost-Before`). `codex exec` runs one
/// turn per process, so each turn's usage is reported as its own message.
public struct CodexStreamParser: StreamParser {
    /// The model Codex was started with, used to price its usage.
    public var model: String?
    private var threadID: String?
    private var completedTurns = 0
    /// Items already announced as `.toolUse`, so each is announced once.
    private var announcedItems: Set<String> = []

    public init(model: String? = nil) {
        self.model = model
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
        case "thread.started":
            threadID = stringValue(object["thread_id"])
            return [.sessionStarted(SessionInfo(sessionID: threadID ?? "", model: model))]
        case "turn.started":
            return []
        case "turn.completed":
            return turnCompletedEvents(object)
        case "turn.failed":
            let message = stringValue((object["error"] as? JSONObject)?["message"]) ?? "turn failed"
            // Codex gives up on a 429 after `stream_max_retries` with
            // "exceeded retry limit, last status: 429 Too Many Requests".
            let status = Self.reconnection(from: "Reconnecting... " + message)?.errorStatus
            return [.result(AgentResult(
                isError: true, subtype: type, turnCount: completedTurns + 1, sessionID: threadID,
                terminalReason: status == 429 ? "rate_limited" : nil, message: message, apiErrorStatus: status
            ))]
        case "error":
            let message = stringValue(object["message"]) ?? "error"
            if let retry = Self.reconnection(from: message) { return [.rateLimited(retry)] }
            return [.error(message)]
        case "item.started", "item.updated", "item.completed":
            guard let item = object["item"] as? JSONObject else { return [.unknown(type: type)] }
            return itemEvents(item, isCompleted: type == "item.completed", eventType: type)
        default:
            return [.unknown(type: type)]
        }
    }

    private mutating func turnCompletedEvents(_ object: JSONObject) -> [AgentEvent] {
        completedTurns += 1
        let tokens = Self.tokenCounts(fromUsage: object["usage"] as? JSONObject ?? [:])
        let messageID = "\(threadID ?? "codex")/turn-\(completedTurns)"
        return [
            .usage(TokenUsage(messageID: messageID, model: model ?? "unknown", tokens: tokens)),
            .result(AgentResult(
                isError: false, subtype: "turn.completed", turnCount: completedTurns,
                sessionID: threadID, tokens: tokens
            )),
        ]
    }

    private mutating func itemEvents(_ item: JSONObject, isCompleted: Bool, eventType: String) -> [AgentEvent] {
        let id = stringValue(item["id"]) ?? ""
        let itemType = stringValue(item["type"]) ?? ""
        let status = stringValue(item["status"])
        switch itemType {
        case "agent_message", "plan":
            let text = stringValue(item["text"]) ?? ""
            return isCompleted && !text.isEmpty ? [.assistantText(text)] : []
        case "reasoning", "todo_list":
            return []  // Kept in the transcript; not part of the readable thread.
        case "error":
            return isCompleted ? [.error(stringValue(item["message"]) ?? "error")] : []
        case "command_execution":
            let command = stringValue(item["command"]) ?? ""
            var events = announce(id: id, name: "shell", summary: command.singleLine(limit: summaryLength))
            if isCompleted {
                let exitCode = intValue(item["exit_code"])
                var output = item["aggregated_output"]
                if status == "declined", isEmptyString(output) { output = "command declined" }
                let failed = status == "failed" || status == "declined" || (exitCode ?? 0) != 0
                events.append(.toolResult(ToolResult(toolUseID: id, isError: failed, outputValue: output)))
            }
            return events
        case "file_change":
            let changes = (item["changes"] as? [Any] ?? []).compactMap { $0 as? JSONObject }
            let summary = changes.map { change in
                "\(stringValue(change["kind"]) ?? "update") \(stringValue(change["path"]) ?? "?")"
            }.joined(separator: ", ")
            var events = announce(id: id, name: "edit", summary: summary.singleLine(limit: summaryLength))
            if isCompleted {
                let failed = status == "failed"
                events.append(.toolResult(ToolResult(toolUseID: id, isError: failed, output: failed ? "patch failed" : "")))
            }
            return events
        case "mcp_tool_call":
            let tool = stringValue(item["tool"]) ?? "tool"
            let name = "\(stringValue(item["server"]) ?? "mcp")/\(tool)"
            var events = announce(id: id, name: name, summary: summarizeToolInput(name: tool, input: item["arguments"]))
            if isCompleted {
                events.append(.toolResult(mcpResult(item, id: id, failed: status == "failed")))
            }
            return events
        case "web_search":
            var events = announce(id: id, name: "web_search", summary: (stringValue(item["query"]) ?? "").singleLine(limit: summaryLength))
            if isCompleted { events.append(.toolResult(ToolResult(toolUseID: id, isError: false, output: ""))) }
            return events
        default:
            return [.unknown(type: "\(eventType)/\(itemType)")]
        }
    }

    /// Codex's usage object (`turn.completed.usage`, and `token_count` in
    /// its session log) split like every agent's: uncached input apart.
    /// `output_tokens` already includes `reasoning_output_tokens`, as in the
    /// Responses API's own usage, so reasoning is not added again.
    public static func tokenCounts(fromUsage usage: [String: Any]) -> TokenCounts {
        let input = intValue(usage["input_tokens"]) ?? 0
        let cached = intValue(usage["cached_input_tokens"]) ?? 0
        let cacheWrite = intValue(usage["cache_write_input_tokens"]) ?? 0
        return TokenCounts(
            input: max(0, input - cached - cacheWrite), output: intValue(usage["output_tokens"]) ?? 0,
            cacheCreation: cacheWrite, cacheRead: cached
        )
    }

    /// A `.toolUse` for an item the first time it is seen, nothing after.
    private mutating func announce(id: String, name: String, summary: String) -> [AgentEvent] {
        guard announcedItems.insert(id).inserted else { return [] }
        return [.toolUse(ToolUse(id: id, name: name, inputSummary: summary))]
    }

    private func mcpResult(_ item: JSONObject, id: String, failed: Bool) -> ToolResult {
        if let message = stringValue((item["error"] as? JSONObject)?["message"]) {
            return ToolResult(toolUseID: id, isError: true, output: message)
        }
        let content = (item["result"] as? JSONObject)?["content"] as? [Any] ?? []
        let text = content.compactMap { block -> String? in
            guard let block = block as? JSONObject else { return nil }
            return stringValue(block["text"]) ?? stringValue(block["type"]).map { "[\($0)]" }
        }.joined(separator: "\n")
        return ToolResult(toolUseID: id, isError: failed, output: text)
    }

    /// Codex announces its own retries as `error` events such as
    /// "Reconnecting... 2/5 (unexpected status 429 Too Many Requests: ...)".
    static func reconnection(from message: String) -> RateLimit? {
        guard message.hasPrefix("Reconnecting") else { return nil }
        let numbers = digitRuns(in: message)
        let fraction = numbers.firstIndex { $0.followedBySlash }
        let attempt = fraction.map { numbers[$0].value } ?? 1
        let maxRetries = fraction.flatMap { $0 + 1 < numbers.count ? numbers[$0 + 1].value : nil }
        let status = numbers.first { $0.length == 3 && (400...599).contains($0.value) }?.value
        return RateLimit(attempt: attempt, maxRetries: maxRetries, errorStatus: status, errorDescription: message)
    }

    private struct DigitRun {
        var value: Int
        var length: Int
        var followedBySlash: Bool
    }

    private static func digitRuns(in text: String) -> [DigitRun] {
        var runs: [DigitRun] = []
        var current: (value: Int, length: Int)?
        for byte in text.utf8 {
            if (0x30...0x39).contains(byte) {
                let digit = Int(byte - 0x30)
                current = (min((current?.value ?? 0) * 10 + digit, 1_000_000), (current?.length ?? 0) + 1)
            } else if let run = current {
                runs.append(DigitRun(value: run.value, length: run.length, followedBySlash: byte == 0x2F))
                current = nil
            }
        }
        if let run = current { runs.append(DigitRun(value: run.value, length: run.length, followedBySlash: false)) }
        return runs
    }
}
