import Foundation
import Testing

@testable import KanbotsAgents

/// The transcripts of the agents git-kanbots speaks to through a client of
/// its own: ACP (JSON-RPC messages verbatim) and Aider (text turned NDJSON).
@Suite struct ClientStreamParserTests {
    @Test func acpChunksAreJoinedAndThePromptResponseEndsTheRun() {
        var parser = ACPStreamParser(model: "m")
        func feed(_ line: String) -> [AgentEvent] { parser.events(fromLine: line) }
        #expect(feed(#"{"jsonrpc":"2.0","id":1,"result":{"sessionId":"s1"}}"#)
            == [.sessionStarted(SessionInfo(sessionID: "s1", model: "m"))])
        let chunk = #"{"jsonrpc":"2.0","method":"session/update","params":{"sessionId":"s1","update":{"sessionUpdate":"agent_message_chunk","content":{"type":"text","text":"TEXT"}}}}"#
        #expect(feed(chunk.replacingOccurrences(of: "TEXT", with: "Hello, ")).isEmpty)
        #expect(feed(chunk.replacingOccurrences(of: "TEXT", with: "world")).isEmpty)
        #expect(feed(#"{"jsonrpc":"2.0","method":"session/update","params":{"update":{"sessionUpdate":"tool_call","toolCallId":"t1","title":"Run ls","kind":"execute"}}}"#)
            == [.assistantText("Hello, world"), .toolUse(ToolUse(id: "t1", name: "execute", inputSummary: "Run ls"))])
        #expect(feed(#"{"jsonrpc":"2.0","method":"session/update","params":{"update":{"sessionUpdate":"usage_update","used":10,"size":100,"cost":{"amount":0.5,"currency":"USD"}}}}"#).isEmpty)
        #expect(feed("garbage") == [.malformed(lineNumber: 1, byteOffset: 0, reason: "invalid JSON (7 bytes)")])
        let ended = feed(#"{"jsonrpc":"2.0","id":2,"result":{"stopReason":"end_turn","usage":{"inputTokens":100,"outputTokens":20,"thoughtTokens":5}}}"#)
        #expect(ended.first == .usage(TokenUsage(messageID: "acp-prompt-1", model: "m", tokens: TokenCounts(input: 100, output: 25))))
        guard case .result(let result)? = ended.last else { Issue.record("no result in \(ended)"); return }
        #expect(result.subtype == "end_turn" && !result.isError && result.totalCostUSD == 0.5 && result.sessionID == "s1")
        #expect(feed(#"{"jsonrpc":"2.0","id":3,"error":{"code":-32603,"message":"boom"}}"#) == [.error("agent error (-32603): boom")])
    }

    @Test func aiderTokenReportsAreRead() {
        let plain = AiderStreamParser.tokenReport("Tokens: 2.1k sent, 120 received. Cost: $0.01 message, $0.02 session.")
        #expect(plain?.sent == 2100 && plain?.received == 120 && plain?.message == 0.01 && plain?.session == 0.02)
        let cached = AiderStreamParser.tokenReport(
            "Tokens: 12k sent, 1.2k cache write, 3.4k cache hit, 250 received. Cost: $0.04 message, $1,204.10 session.")
        #expect(cached?.sent == 12000 && cached?.received == 250 && cached?.session == 1204.10)
        let unpriced = AiderStreamParser.tokenReport("Tokens: 594 sent, 17 received.")
        #expect(unpriced?.sent == 594 && unpriced?.received == 17 && unpriced?.message == nil && unpriced?.session == nil)
        #expect(AiderStreamParser.tokenReport("Applied edit to hello.txt") == nil)
    }

    @Test func aiderSessionCostIsTheResultsTotal() {
        var parser = AiderStreamParser(model: "gpt-4.1")
        #expect(parser.events(fromLine: #"{"type":"aider_output","text":"Applied edit to a.txt"}"#)
            == [.assistantText("Applied edit to a.txt")])
        #expect(parser.events(fromLine: #"{"type":"aider_usage","sent":100,"received":10,"message_cost_usd":0.2,"session_cost_usd":0.2}"#)
            == [.usage(TokenUsage(messageID: "aider-1", model: "gpt-4.1", tokens: TokenCounts(input: 100, output: 10)))])
        let end = parser.events(fromLine: #"{"type":"aider_result","exit_status":2,"session_cost_usd":null}"#)
        guard case .result(let result)? = end.first else { Issue.record("no result in \(end)"); return }
        #expect(result.isError && result.subtype == "aider_exited 2" && result.totalCostUSD == 0.2 && result.turnCount == 1)
    }
}
