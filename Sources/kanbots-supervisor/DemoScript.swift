import KanbotsCore
import KanbotsSystem

/// Writes Claude Code stream-json events (one JSON object per line) with
/// token counts priced like the model, so a cost meter has real work to do.
struct DemoScript {
    let model: String
    let cwd: String
    let step: TimeInterval
    let session = UUID().uuidString.lowercased()
    private var messageNumber = 0
    private var toolNumber = 0
    private(set) var turns = 0
    private(set) var inputTokens = 0
    private(set) var outputTokens = 0
    private let started = Date()
    // Haiku 4.5 prices per million tokens (input, output).
    static let prices = (input: 1.0, output: 5.0)

    init(model: String, cwd: String, step: TimeInterval) {
        self.model = model
        self.cwd = cwd
        self.step = step
    }

    var costUSD: Double {
        (Double(inputTokens) * Self.prices.input + Double(outputTokens) * Self.prices.output) / 1_000_000
    }

    func emit(_ object: [String: Any]) {
        guard let line = DynamicJSON.serialize(object) else { return }
        StandardOutput.write(line)
        if step > 0 { sleepThread(seconds: step) }
    }

    mutating func start() {
        emit(["type": "system", "subtype": "init", "session_id": session, "cwd": cwd, "model": model,
              "tools": ["Bash", "Read", "Write", "Edit"], "permissionMode": "bypassPermissions",
              "apiKeySource": "none"])
    }

    private mutating func assistant(_ block: [String: Any], input: Int, output: Int) {
        messageNumber += 1
        turns += 1
        inputTokens += input
        outputTokens += output
        emit(["type": "assistant", "session_id": session, "parent_tool_use_id": DynamicJSON.null,
              "message": ["id": "msg_demo_\(session.prefix(8))_\(messageNumber)", "type": "message", "role": "assistant",
                          "model": model, "content": [block], "stop_reason": DynamicJSON.null,
                          "usage": ["input_tokens": input, "output_tokens": output,
                                    "cache_creation_input_tokens": 0, "cache_read_input_tokens": 0]]])
    }

    mutating func say(_ text: String) {
        assistant(["type": "text", "text": text], input: 1_200, output: 40)
    }

    mutating func tool(_ name: String, input: [String: String], perform: () -> String) {
        toolNumber += 1
        let id = "toolu_demo_\(toolNumber)"
        assistant(["type": "tool_use", "id": id, "name": name, "input": input], input: 1_500, output: 120)
        let result = perform()
        emit(["type": "user", "session_id": session, "parent_tool_use_id": DynamicJSON.null,
              "message": ["role": "user", "content": [["type": "tool_result", "tool_use_id": id, "content": result]]]])
    }

    func finish(isError: Bool) {
        emit(["type": "result", "subtype": isError ? "error_during_execution" : "success", "is_error": isError,
              "duration_ms": Int(Date().timeIntervalSince(started) * 1000), "num_turns": turns,
              "result": isError ? "The demo agent was told to fail." : "Done.", "session_id": session,
              "total_cost_usd": costUSD,
              "usage": ["input_tokens": inputTokens, "output_tokens": outputTokens,
                        "cache_creation_input_tokens": 0, "cache_read_input_tokens": 0],
              "modelUsage": [model: ["inputTokens": inputTokens, "outputTokens": outputTokens, "costUSD": costUSD]],
              "permission_denials": [], "terminal_reason": "completed"])
    }
}
