import Foundation
import Testing

@testable import KanbotsAgents

/// Decodes every line of a fixture, keeping the events of each line apart.
func decode(_ lines: [String], with parser: inout some StreamParser) -> [[AgentEvent]] {
    var buffer = NDJSONLineBuffer()
    var decoded: [[AgentEvent]] = []
    for line in buffer.append(Fixture.stream(lines)) {
        decoded.append(parser.events(from: line))
    }
    return decoded
}

func isClose(_ lhs: Double, _ rhs: Double, tolerance: Double = 1e-9) -> Bool {
    abs(lhs - rhs) <= tolerance
}

@Suite struct ClaudeStreamParserTests {
    let sonnet = "claude-sonnet-4-5-20250929"

    @Test func decodesAFullSession() throws {
        var parser = ClaudeStreamParser(estimatesOutputTokens: false)
        let events = decode(Fixture.claudeLines, with: &parser)
        try #require(events.count == Fixture.claudeLines.count)
        let offsets = Fixture.claudeLines.reduce(into: [0]) { $0.append($0.last! + $1.utf8.count + 1) }
        let bashOutput = "Building for debugging...\n[1/4] Compiling Export\nTest Suite 'ExportTests' started\nTest Suite 'ExportTests' passed\n\t Executed 3 tests, with 0 failures"

        #expect(events[0] == [.sessionStarted(SessionInfo(
            sessionID: Fixture.claudeSession, model: sonnet, workingDirectory: "/repo/.git/kanbots/worktrees/issue-42-7"
        ))])
        #expect(events[1] == [.usage(TokenUsage(
            messageID: "msg_01A", model: sonnet,
            tokens: TokenCounts(input: 3, output: 1, cacheCreation: 5120, cacheRead: 11264)
        ))])
        #expect(events[2] == [.assistantText("I'll add a CSV exporter. First, the tests.")])
        #expect(events[3] == [.toolUse(ToolUse(id: "toolu_01Bash", name: "Bash", inputSummary: "swift test --filter ExportTests"))])
        #expect(events[4] == [.toolResult(ToolResult(
            toolUseID: "toolu_01Bash", isError: false, preview: bashOutput,
            byteCount: bashOutput.utf8.count, lineCount: 5
        ))])
        #expect(events[5] == [.rateLimited(RateLimit(
            attempt: 2, maxRetries: 10, retryDelayMilliseconds: 4000, errorStatus: 429, errorDescription: "rate_limit"
        ))])
        #expect(events[6] == [
            .usage(TokenUsage(messageID: "msg_01B", model: sonnet, tokens: TokenCounts(input: 8, output: 1, cacheCreation: 1200, cacheRead: 16384))),
            .toolUse(ToolUse(id: "toolu_02Read", name: "Read", inputSummary: "/repo/Sources/App/Export.swift")),
        ])
        #expect(events[7] == [.toolResult(ToolResult(
            toolUseID: "toolu_02Read", isError: true, preview: "<tool_use_error>File does not exist.</tool_use_error>",
            byteCount: 53, lineCount: 1
        ))])
        #expect(events[8] == [.malformed(lineNumber: 9, byteOffset: offsets[8], reason: "invalid JSON (21 bytes)")])
        #expect(events[9] == [
            .usage(TokenUsage(messageID: "msg_01C", model: sonnet, tokens: TokenCounts(input: 6, output: 1, cacheRead: 17584))),
            .assistantText("Done: the exporter is in place."),
        ])
        // Same message, more output tokens: reported again, to supersede.
        #expect(events[10] == [.usage(TokenUsage(messageID: "msg_01C", model: sonnet, tokens: TokenCounts(input: 6, output: 412, cacheRead: 17584)))])
        #expect(events[11] == [.unknown(type: "rate_limit_event")])
        guard case .malformed(13, offsets[12], let reason) = events[12].first else {
            Issue.record("truncated line not reported as malformed: \(events[12])")
            return
        }
        #expect(reason.hasPrefix("invalid JSON"))
        #expect(events[13] == [.result(AgentResult(
            isError: false, subtype: "success", totalCostUSD: 0.0612345, turnCount: 5,
            sessionID: Fixture.claudeSession,
            tokens: TokenCounts(input: 17, output: 958, cacheCreation: 6320, cacheRead: 45232),
            modelCosts: [sonnet: 0.0589, "claude-haiku-4-5-20251001": 0.0023345],
            terminalReason: "completed", message: "Added CSV export.", durationMilliseconds: 48213
        ))])
    }

    @Test func reportsUsageOncePerMessageUnlessItGrows() {
        var parser = ClaudeStreamParser(estimatesOutputTokens: false)
        let line = #"{"type":"assistant","message":{"id":"msg_X","model":"claude-opus-4-5-20251101","content":[{"type":"text","text":"hi"}],"usage":{"input_tokens":10,"cache_read_input_tokens":100,"output_tokens":2}}}"#
        let usages = (1...3).flatMap { parser.events(fromLine: line, lineNumber: $0) }.filter {
            if case .usage = $0 { true } else { false }
        }
        #expect(usages.count == 1)
        let grown = line.replacingOccurrences(of: #""output_tokens":2"#, with: #""output_tokens":50"#)
        let shrunk = line.replacingOccurrences(of: #""output_tokens":2"#, with: #""output_tokens":1"#)
        #expect(parser.events(fromLine: grown).first == .usage(TokenUsage(
            messageID: "msg_X", model: "claude-opus-4-5-20251101", tokens: TokenCounts(input: 10, output: 50, cacheRead: 100)
        )))
        // A stale snapshot arriving late never lowers what was reported.
        #expect(parser.events(fromLine: shrunk) == [.assistantText("hi")])
    }

    @Test func estimatesOutputTokensFromContentWhenClaudeReportsTooFew() {
        var parser = ClaudeStreamParser()
        let text = String(repeating: "word ", count: 600)  // 3,000 bytes
        let line = #"{"type":"assistant","message":{"id":"msg_E","model":"claude-sonnet-4-5","content":[{"type":"text","text":"\#(text)"}],"usage":{"input_tokens":5,"output_tokens":1}}}"#
        let events = parser.events(fromLine: line)
        #expect(events.first == .usage(TokenUsage(messageID: "msg_E", model: "claude-sonnet-4-5", tokens: TokenCounts(input: 5, output: 1000))))
        // The reported figure wins once it is the larger one.
        let final = #"{"type":"assistant","message":{"id":"msg_E","model":"claude-sonnet-4-5","content":[],"usage":{"input_tokens":5,"output_tokens":1200}}}"#
        #expect(parser.events(fromLine: final) == [.usage(TokenUsage(messageID: "msg_E", model: "claude-sonnet-4-5", tokens: TokenCounts(input: 5, output: 1200)))])
    }

    @Test func skipsUsageOfSyntheticErrorMessages() {
        var parser = ClaudeStreamParser()
        let line = #"{"type":"assistant","message":{"id":"x","model":"<synthetic>","role":"assistant","content":[{"type":"text","text":"API Error: Request rejected (429)"}],"usage":{"input_tokens":0,"output_tokens":0}}}"#
        #expect(parser.events(fromLine: line) == [.assistantText("API Error: Request rejected (429)")])
    }

    @Test func readsAFailedResult() {
        var parser = ClaudeStreamParser()
        let line = #"{"type":"result","subtype":"error_max_budget_usd","is_error":true,"terminal_reason":"budget_exhausted","total_cost_usd":0.0779,"errors":["Reached maximum budget ($0.05)"],"usage":{"input_tokens":0,"output_tokens":0},"num_turns":3,"modelUsage":{"claude-opus-4-5[1m]":{"inputTokens":2,"outputTokens":964,"costUSD":0.0779}}}"#
        guard case .result(let result) = parser.events(fromLine: line).first else {
            Issue.record("no result")
            return
        }
        #expect(result.isError)
        #expect(result.subtype == "error_max_budget_usd")
        #expect(result.terminalReason == "budget_exhausted")
        #expect(result.message == "Reached maximum budget ($0.05)")
        #expect(result.modelCosts == ["claude-opus-4-5[1m]": 0.0779])
        #expect(result.turnCount == 3)
        #expect(result.endReason == "budget_exhausted")
    }

    @Test func anErrorResultThatSaysCompletedEndsWithItsSubtype() {
        var parser = ClaudeStreamParser()
        let line = #"{"type":"result","subtype":"error_during_execution","is_error":true,"terminal_reason":"completed","num_turns":2}"#
        guard case .result(let result) = parser.events(fromLine: line).first else {
            Issue.record("no result")
            return
        }
        #expect(result.endReason == "error_during_execution")
        #expect(AgentResult(isError: false, subtype: "success", terminalReason: "completed").endReason == "completed")
    }

    @Test func keepsUnknownSystemSubtypesAndRejectsShapelessLines() {
        var parser = ClaudeStreamParser()
        #expect(parser.events(fromLine: #"{"type":"system","subtype":"compact_boundary"}"#) == [.unknown(type: "system/compact_boundary")])
        #expect(parser.events(fromLine: #"{"type":"stream_event","event":{"type":"message_start"}}"#) == [.unknown(type: "stream_event")])
        #expect(parser.events(fromLine: "[1,2,3]", lineNumber: 4, byteOffset: 99) == [.malformed(lineNumber: 4, byteOffset: 99, reason: "not a JSON object")])
        #expect(parser.events(fromLine: #"{"subtype":"init"}"#, lineNumber: 5) == [.malformed(lineNumber: 5, byteOffset: 0, reason: #"no "type" field"#)])
        #expect(parser.events(fromLine: "   \r").isEmpty)
        #expect(parser.events(fromLine: #"{"type":"user","message":{"role":"user","content":"the prompt"}}"#).isEmpty)
    }

    @Test func summarizesToolInputsOnOneLine() {
        #expect(summarizeToolInput(name: "Bash", input: ["command": "cd x &&\n  make   test"]) == "cd x && make test")
        #expect(summarizeToolInput(name: "Grep", input: ["pattern": "TODO", "path": "Sources"]) == "TODO in Sources")
        #expect(summarizeToolInput(name: "TodoWrite", input: ["todos": [1, 2, 3]]) == "3 todos")
        #expect(summarizeToolInput(name: "Custom", input: ["b": 1, "a": true]) == #"{"a":true,"b":1}"#)
        let long = summarizeToolInput(name: "Bash", input: ["command": String(repeating: "x", count: 500)])
        #expect(long.count == summaryLength + 1 && long.hasSuffix("…"))
    }

    /// A 10 MB tool result, written to the transcript in 64 KB pieces.
    @Test func decodesATenMegabyteToolResultSplitAcrossChunks() throws {
        let lineText = String(repeating: "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcde\n", count: 163_840)
        #expect(lineText.utf8.count == 10_485_760)
        let object: [String: Any] = [
            "type": "user",
            "message": ["role": "user", "content": [["type": "tool_result", "tool_use_id": "toolu_big", "content": lineText]]],
        ]
        var stream = try JSONSerialization.data(withJSONObject: object)
        stream.append(0x0A)
        stream.append(contentsOf: Array(#"{"type":"result","subtype":"success","is_error":false,"total_cost_usd":0.5}"#.utf8) + [0x0A])

        var buffer = NDJSONLineBuffer()
        var parser = ClaudeStreamParser()
        var events: [AgentEvent] = []
        var start = 0
        while start < stream.count {
            let end = min(start + 65_536, stream.count)
            for line in buffer.append(stream[start..<end]) { events += parser.events(from: line) }
            start = end
        }
        #expect(buffer.pendingByteCount == 0)
        try #require(events.count == 2)
        guard case .toolResult(let result) = events[0] else {
            Issue.record("expected a tool result, got \(events[0])")
            return
        }
        #expect(result.byteCount == 10_485_760)
        #expect(result.lineCount == 163_840)
        #expect(result.preview.count == previewLength + 1)
        #expect(result.preview.hasPrefix("0123456789abcdef"))
        #expect(result.preview.hasSuffix("…"))
    }
}
