import Foundation
import Testing

@testable import KanbotsAgents

@Suite struct CodexStreamParserTests {
    @Test func decodesAFullExecRun() throws {
        var parser = CodexStreamParser(model: "gpt-5-codex")
        let events = decode(Fixture.codexLines, with: &parser)
        try #require(events.count == Fixture.codexLines.count)
        let thread = Fixture.codexThread
        let failedOutput = "Building...\nerror: no such module 'XCTest'\n"

        #expect(events[0] == [.sessionStarted(SessionInfo(sessionID: thread, model: "gpt-5-codex"))])
        #expect(events[1].isEmpty && events[2].isEmpty)
        #expect(events[3] == [.toolUse(ToolUse(id: "item_1", name: "shell", inputSummary: "bash -lc 'rg --files | head'"))])
        #expect(events[4] == [.toolResult(ToolResult(
            toolUseID: "item_1", isError: false, preview: "Package.swift\nSources/App/main.swift\n", byteCount: 37, lineCount: 2
        ))])
        #expect(events[5] == [.rateLimited(RateLimit(
            attempt: 2, maxRetries: 5, errorStatus: 429,
            errorDescription: "Reconnecting... 2/5 (unexpected status 429 Too Many Requests: Rate limit reached for gpt-5-codex)"
        ))])
        #expect(events[6].isEmpty)
        #expect(events[7] == [
            .toolUse(ToolUse(id: "item_3", name: "edit", inputSummary: "add Sources/App/Export.swift, update Sources/App/main.swift")),
            .toolResult(ToolResult(toolUseID: "item_3", isError: false, preview: "", byteCount: 0, lineCount: 0)),
        ])
        #expect(events[8].isEmpty)
        #expect(events[9] == [.toolUse(ToolUse(id: "item_4", name: "docs/search", inputSummary: "csv rfc 4180"))])
        #expect(events[10] == [.toolResult(ToolResult(
            toolUseID: "item_4", isError: false, preview: "RFC 4180: fields containing commas are quoted", byteCount: 45, lineCount: 1
        ))])
        #expect(events[11] == [.toolUse(ToolUse(id: "item_5", name: "shell", inputSummary: "bash -lc 'swift test'"))])
        #expect(events[12].isEmpty)
        #expect(events[13] == [.toolResult(ToolResult(
            toolUseID: "item_5", isError: true, preview: failedOutput, byteCount: failedOutput.utf8.count, lineCount: 2
        ))])
        #expect(events[14] == [
            .toolUse(ToolUse(id: "item_6", name: "web_search", inputSummary: "swift csv escaping")),
            .toolResult(ToolResult(toolUseID: "item_6", isError: false, preview: "", byteCount: 0, lineCount: 0)),
        ])
        #expect(events[15] == [.error("model rerouted: gpt-5-codex -> gpt-5")])
        #expect(events[16] == [.assistantText("Added CSV export. The tests need XCTest, which is missing here.")])
        #expect(events[17] == [.unknown(type: "item.completed/collab_tool_call")])
        #expect(events[18] == [.unknown(type: "item.plan.delta")])
        guard case .malformed(20, _, _) = events[19].first else {
            Issue.record("truncated line not malformed: \(events[19])")
            return
        }
        // Cached tokens are part of Codex's input_tokens; they are split out.
        let tokens = TokenCounts(input: 315, output: 122, cacheRead: 24448)
        #expect(events[20] == [
            .usage(TokenUsage(messageID: "\(thread)/turn-1", model: "gpt-5-codex", tokens: tokens)),
            .result(AgentResult(isError: false, subtype: "turn.completed", turnCount: 1, sessionID: thread, tokens: tokens)),
        ])
    }

    @Test func meteringACodexRunPricesItsModel() {
        var parser = CodexStreamParser(model: "gpt-5-codex")
        var meter = CostMeter()
        for lineEvents in decode(Fixture.codexLines, with: &parser) { meter.record(lineEvents) }
        // 315 uncached at $1.25, 24,448 cached at $0.125, 122 out at $10 per million.
        #expect(isClose(meter.costUSD, 0.00466975))
        #expect(!meter.isReconciled)
        #expect(meter.turnCount == 1)
        #expect(meter.sessionID == Fixture.codexThread)
        #expect(meter.model == "gpt-5-codex")
        #expect(meter.result?.isError == false)
    }

    @Test func aFailedTurnIsAnErrorResult() {
        var parser = CodexStreamParser()
        _ = parser.events(fromLine: #"{"type":"thread.started","thread_id":"t-1"}"#)
        let events = parser.events(fromLine: #"{"type":"turn.failed","error":{"message":"stream disconnected before completion"}}"#)
        #expect(events == [.result(AgentResult(
            isError: true, subtype: "turn.failed", turnCount: 1, sessionID: "t-1",
            message: "stream disconnected before completion"
        ))])
    }

    @Test func tellsReconnectionsFromOtherErrors() {
        var parser = CodexStreamParser()
        #expect(parser.events(fromLine: #"{"type":"error","message":"Reconnecting... 1/5"}"#)
            == [.rateLimited(RateLimit(attempt: 1, maxRetries: 5, errorDescription: "Reconnecting... 1/5"))])
        #expect(CodexStreamParser.reconnection(from: "Reconnecting... 3/5 (unexpected status 503 Service Unavailable)")?.errorStatus == 503)
        #expect(parser.events(fromLine: #"{"type":"error","message":"unexpected status 401 Unauthorized"}"#)
            == [.error("unexpected status 401 Unauthorized")])
    }

    @Test func unknownModelUsageIsPricedAtTheFallback() {
        var parser = CodexStreamParser()
        var meter = CostMeter()
        meter.record(parser.events(fromLine: #"{"type":"turn.completed","usage":{"input_tokens":1000000,"cached_input_tokens":0,"output_tokens":0}}"#))
        #expect(meter.costUSD == PriceTable.builtIn.fallback.input)
        #expect(meter.costUSD > 0)
    }
}
