import Foundation

/// Streams shaped like what the agents print, one JSON object per line.
/// Field sets follow Claude Code 2.1 (`-p --output-format stream-json
/// --verbose`) and `codex exec --json` (codex-rs/exec/src/exec_events.rs).
enum Fixture {
    static let claudeSession = "9b0c7f4e-2a51-4c0e-8d3c-6f1d2e7a9b10"

    /// A short Claude run: init, a message with thinking + text + Bash, its
    /// result, a 429 retry, a Read, a final message whose usage grows, junk
    /// lines, an event type from the future, and the result.
    static let claudeLines: [String] = [
        #"{"type":"system","subtype":"init","cwd":"/repo/.git/kanbots/worktrees/issue-42-7","session_id":"9b0c7f4e-2a51-4c0e-8d3c-6f1d2e7a9b10","tools":["Task","Bash","Glob","Grep","Read","Edit","Write","TodoWrite"],"mcp_servers":[],"model":"claude-sonnet-4-5-20250929","permissionMode":"bypassPermissions","slash_commands":["compact"],"apiKeySource":"ANTHROPIC_API_KEY","claude_code_version":"2.1.330","output_style":"default","uuid":"0d5c1a7e-1111-4c1e-9f0e-0a1b2c3d4e5f"}"#,
        #"{"type":"assistant","message":{"model":"claude-sonnet-4-5-20250929","id":"msg_01A","type":"message","role":"assistant","content":[{"type":"thinking","thinking":"The user wants CSV export.","signature":"EqQBCkYIBxgCKkBd"}],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":3,"cache_creation_input_tokens":5120,"cache_read_input_tokens":11264,"cache_creation":{"ephemeral_5m_input_tokens":5120,"ephemeral_1h_input_tokens":0},"output_tokens":1,"service_tier":"standard"}},"parent_tool_use_id":null,"session_id":"9b0c7f4e-2a51-4c0e-8d3c-6f1d2e7a9b10","uuid":"a1"}"#,
        #"{"type":"assistant","message":{"model":"claude-sonnet-4-5-20250929","id":"msg_01A","type":"message","role":"assistant","content":[{"type":"text","text":"I'll add a CSV exporter. First, the tests."}],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":3,"cache_creation_input_tokens":5120,"cache_read_input_tokens":11264,"output_tokens":1,"service_tier":"standard"}},"parent_tool_use_id":null,"session_id":"9b0c7f4e-2a51-4c0e-8d3c-6f1d2e7a9b10","uuid":"a2"}"#,
        #"{"type":"assistant","message":{"model":"claude-sonnet-4-5-20250929","id":"msg_01A","type":"message","role":"assistant","content":[{"type":"tool_use","id":"toolu_01Bash","name":"Bash","input":{"command":"swift test --filter ExportTests","description":"Run the export tests"}}],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":3,"cache_creation_input_tokens":5120,"cache_read_input_tokens":11264,"output_tokens":1,"service_tier":"standard"}},"parent_tool_use_id":null,"session_id":"9b0c7f4e-2a51-4c0e-8d3c-6f1d2e7a9b10","uuid":"a3"}"#,
        #"{"type":"user","message":{"role":"user","content":[{"tool_use_id":"toolu_01Bash","type":"tool_result","content":"Building for debugging...\n[1/4] Compiling Export\nTest Suite 'ExportTests' started\nTest Suite 'ExportTests' passed\n\t Executed 3 tests, with 0 failures","is_error":false}]},"parent_tool_use_id":null,"session_id":"9b0c7f4e-2a51-4c0e-8d3c-6f1d2e7a9b10","uuid":"u1","tool_use_result":{"stdout":"Building for debugging...","stderr":"","interrupted":false,"isImage":false}}"#,
        #"{"type":"system","subtype":"api_retry","attempt":2,"max_retries":10,"retry_delay_ms":4000,"error_status":429,"error":"rate_limit","session_id":"9b0c7f4e-2a51-4c0e-8d3c-6f1d2e7a9b10","uuid":"r1"}"#,
        #"{"type":"assistant","message":{"model":"claude-sonnet-4-5-20250929","id":"msg_01B","type":"message","role":"assistant","content":[{"type":"tool_use","id":"toolu_02Read","name":"Read","input":{"file_path":"/repo/Sources/App/Export.swift"}}],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":8,"cache_creation_input_tokens":1200,"cache_read_input_tokens":16384,"output_tokens":1,"service_tier":"standard"}},"parent_tool_use_id":null,"session_id":"9b0c7f4e-2a51-4c0e-8d3c-6f1d2e7a9b10","uuid":"a4"}"#,
        #"{"type":"user","message":{"role":"user","content":[{"tool_use_id":"toolu_02Read","type":"tool_result","content":[{"type":"text","text":"<tool_use_error>File does not exist.</tool_use_error>"}],"is_error":true}]},"parent_tool_use_id":null,"session_id":"9b0c7f4e-2a51-4c0e-8d3c-6f1d2e7a9b10","uuid":"u2"}"#,
        "this line is not JSON",
        #"{"type":"assistant","message":{"model":"claude-sonnet-4-5-20250929","id":"msg_01C","type":"message","role":"assistant","content":[{"type":"text","text":"Done: the exporter is in place."}],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":6,"cache_creation_input_tokens":0,"cache_read_input_tokens":17584,"output_tokens":1,"service_tier":"standard"}},"parent_tool_use_id":null,"session_id":"9b0c7f4e-2a51-4c0e-8d3c-6f1d2e7a9b10","uuid":"a5"}"#,
        #"{"type":"assistant","message":{"model":"claude-sonnet-4-5-20250929","id":"msg_01C","type":"message","role":"assistant","content":[],"stop_reason":"end_turn","stop_sequence":null,"usage":{"input_tokens":6,"cache_creation_input_tokens":0,"cache_read_input_tokens":17584,"output_tokens":412,"service_tier":"standard"}},"parent_tool_use_id":null,"session_id":"9b0c7f4e-2a51-4c0e-8d3c-6f1d2e7a9b10","uuid":"a6"}"#,
        #"{"type":"rate_limit_event","rate_limit_info":{"status":"allowed","resetsAt":1790000000,"rateLimitType":"five_hour","isUsingOverage":false},"uuid":"e1","session_id":"9b0c7f4e-2a51-4c0e-8d3c-6f1d2e7a9b10"}"#,
        #"{"type":"assistant","message":{"model":"claude-sonnet-4-5-20250929","id":"msg_01D","content":[{"type":"text","te"#,
        #"{"type":"result","subtype":"success","is_error":false,"duration_ms":48213,"duration_api_ms":40102,"num_turns":5,"result":"Added CSV export.","session_id":"9b0c7f4e-2a51-4c0e-8d3c-6f1d2e7a9b10","total_cost_usd":0.0612345,"usage":{"input_tokens":17,"cache_creation_input_tokens":6320,"cache_read_input_tokens":45232,"output_tokens":958,"server_tool_use":{"web_search_requests":0,"web_fetch_requests":0},"service_tier":"standard"},"modelUsage":{"claude-sonnet-4-5-20250929":{"inputTokens":17,"outputTokens":958,"cacheReadInputTokens":45232,"cacheCreationInputTokens":6320,"webSearchRequests":0,"costUSD":0.0589,"contextWindow":200000},"claude-haiku-4-5-20251001":{"inputTokens":812,"outputTokens":95,"cacheReadInputTokens":0,"cacheCreationInputTokens":0,"webSearchRequests":0,"costUSD":0.0023345,"contextWindow":200000}},"permission_denials":[],"terminal_reason":"completed","uuid":"z1"}"#,
    ]

    static let codexThread = "0199a213-81c0-7800-8aa1-bbab2a035a53"

    /// A `codex exec --json` run: a command, a reconnect on 429, a todo list,
    /// a file change, an MCP call, a failing command, a web search, a
    /// non-fatal error item, the answer, an item kind from the future, junk,
    /// and the turn's usage.
    static let codexLines: [String] = [
        #"{"type":"thread.started","thread_id":"0199a213-81c0-7800-8aa1-bbab2a035a53"}"#,
        #"{"type":"turn.started"}"#,
        #"{"type":"item.completed","item":{"id":"item_0","type":"reasoning","text":"**Exploring the repository layout**"}}"#,
        #"{"type":"item.started","item":{"id":"item_1","type":"command_execution","command":"bash -lc 'rg --files | head'","aggregated_output":"","exit_code":null,"status":"in_progress"}}"#,
        #"{"type":"item.completed","item":{"id":"item_1","type":"command_execution","command":"bash -lc 'rg --files | head'","aggregated_output":"Package.swift\nSources/App/main.swift\n","exit_code":0,"status":"completed"}}"#,
        #"{"type":"error","message":"Reconnecting... 2/5 (unexpected status 429 Too Many Requests: Rate limit reached for gpt-5-codex)"}"#,
        #"{"type":"item.started","item":{"id":"item_2","type":"todo_list","items":[{"text":"Add the exporter","completed":false},{"text":"Run the tests","completed":false}]}}"#,
        #"{"type":"item.completed","item":{"id":"item_3","type":"file_change","changes":[{"path":"Sources/App/Export.swift","kind":"add"},{"path":"Sources/App/main.swift","kind":"update"}],"status":"completed"}}"#,
        #"{"type":"item.updated","item":{"id":"item_2","type":"todo_list","items":[{"text":"Add the exporter","completed":true},{"text":"Run the tests","completed":false}]}}"#,
        #"{"type":"item.started","item":{"id":"item_4","type":"mcp_tool_call","server":"docs","tool":"search","arguments":{"query":"csv rfc 4180"},"result":null,"error":null,"status":"in_progress"}}"#,
        #"{"type":"item.completed","item":{"id":"item_4","type":"mcp_tool_call","server":"docs","tool":"search","arguments":{"query":"csv rfc 4180"},"result":{"content":[{"type":"text","text":"RFC 4180: fields containing commas are quoted"}],"structured_content":null},"error":null,"status":"completed"}}"#,
        #"{"type":"item.started","item":{"id":"item_5","type":"command_execution","command":"bash -lc 'swift test'","aggregated_output":"","exit_code":null,"status":"in_progress"}}"#,
        #"{"type":"item.updated","item":{"id":"item_5","type":"command_execution","command":"bash -lc 'swift test'","aggregated_output":"Building...\n","exit_code":null,"status":"in_progress"}}"#,
        #"{"type":"item.completed","item":{"id":"item_5","type":"command_execution","command":"bash -lc 'swift test'","aggregated_output":"Building...\nerror: no such module 'XCTest'\n","exit_code":1,"status":"failed"}}"#,
        #"{"type":"item.completed","item":{"id":"item_6","type":"web_search","query":"swift csv escaping","action":{"type":"search","query":"swift csv escaping"}}}"#,
        #"{"type":"item.completed","item":{"id":"item_7","type":"error","message":"model rerouted: gpt-5-codex -> gpt-5"}}"#,
        #"{"type":"item.completed","item":{"id":"item_8","type":"agent_message","text":"Added CSV export. The tests need XCTest, which is missing here."}}"#,
        #"{"type":"item.completed","item":{"id":"item_9","type":"collab_tool_call","tool":"spawn_agent","sender_thread_id":"a","receiver_thread_ids":[],"prompt":null,"agents_states":{},"status":"completed"}}"#,
        #"{"type":"item.plan.delta","item_id":"item_10","delta":"1. export"}"#,
        #"{"type":"turn.completed","usage":{"input_tokens":24763,"cac"#,
        #"{"type":"turn.completed","usage":{"input_tokens":24763,"cached_input_tokens":24448,"output_tokens":122}}"#,
    ]

    static func stream(_ lines: [String]) -> Data {
        Data((lines.joined(separator: "\n") + "\n").utf8)
    }
}
