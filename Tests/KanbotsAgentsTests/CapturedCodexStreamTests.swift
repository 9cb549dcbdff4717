import Foundation
import Testing

@testable import KanbotsAgents

/// Real stdout of `codex exec --json` (Codex CLI 0.163.0, PyPI
/// `openai-codex-cli-bin`) run against the project's mock of the Responses
/// API (Tests/Fixtures/mock-openai): the parser must take what the CLI prints.
@Suite struct CapturedCodexStreamTests {
    static let folder = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/mock-openai")

    func replay(_ name: String) throws -> (events: [AgentEvent], meter: CostMeter) {
        let data = try Data(contentsOf: Self.folder.appendingPathComponent(name))
        var buffer = NDJSONLineBuffer()
        var parser = CodexStreamParser(model: "gpt-5")
        var meter = CostMeter()
        var events: [AgentEvent] = []
        for line in buffer.append(data) {
            let decoded = parser.events(from: line)
            events += decoded
            meter.record(decoded)
        }
        #expect(buffer.finish() == nil)
        #expect(!events.contains { if case .malformed = $0 { true } else if case .unknown = $0 { true } else { false } },
                "\(events)")
        return (events, meter)
    }

    @Test func aRunThatCommitsAFile() throws {
        let (events, meter) = try replay("captured-write-file.ndjson")
        let results = events.compactMap { if case .toolResult(let result) = $0 { result } else { nil } }
        #expect(results.count == 1 && results.first?.isError == false, "\(results)")
        #expect(results.first?.preview.contains("Add hello.txt") == true)
        // 25,000 input of which 20,000 cached, 350 output, at gpt-5's prices.
        #expect(meter.tokens == TokenCounts(input: 5000, output: 350, cacheRead: 20000))
        #expect(abs(meter.costUSD - (5000 * 1.25 + 20000 * 0.125 + 350 * 10) / 1_000_000) < 1e-12)
        #expect(meter.result?.isError == false)
        // The "no model metadata" warning is an error item, and the run goes on.
        #expect(events.contains(.error("Model metadata for `gpt-5` not found. Defaulting to fallback metadata; this can degrade performance and cause issues.")))
    }

    @Test func retriesOn429AreRateLimitsAndGivingUpIsRateLimited() throws {
        let (events, meter) = try replay("captured-429-exhausted.ndjson")
        let retries = events.compactMap { if case .rateLimited(let retry) = $0 { retry } else { nil } }
        #expect(retries.map(\.attempt) == [1, 2] && retries.allSatisfy { $0.errorStatus == 429 && $0.maxRetries == 2 })
        #expect(meter.result?.isError == true && meter.result?.terminalReason == "rate_limited")
        #expect(meter.result?.apiErrorStatus == 429)

        let (_, recovered) = try replay("captured-rate-limited.ndjson")
        #expect(recovered.result?.isError == false && recovered.rateLimit == nil)
    }

    @Test func anMCPToolCallIsAToolUseWithItsResult() throws {
        let (events, _) = try replay("captured-mcp-call.ndjson")
        let uses = events.compactMap { if case .toolUse(let use) = $0 { use } else { nil } }
        #expect(uses.first?.name == "kanbots/ask", "\(uses)")
        let results = events.compactMap { if case .toolResult(let result) = $0 { result } else { nil } }
        #expect(results.first?.preview.contains("only a running run can ask") == true, "\(results)")
    }
}
