import Foundation
import Testing

@testable import KanbotsAgents

/// Real stdout of Claude Code 2.1.330 run against the project's mock API
/// (Tests/Fixtures/mock-anthropic, see its README): the parser must take
/// what the CLI actually prints, not only what we think it prints.
@Suite struct CapturedClaudeStreamTests {
    static let folder = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/mock-anthropic")

    func replay(_ name: String) throws -> (events: [AgentEvent], lines: [String], meter: CostMeter) {
        let data = try Data(contentsOf: Self.folder.appendingPathComponent(name))
        var buffer = NDJSONLineBuffer()
        var parser = ClaudeStreamParser()
        var renderer = TranscriptRenderer(width: 120)
        var events: [AgentEvent] = []
        var lines: [String] = []
        for line in buffer.append(data) {
            let decoded = parser.events(from: line)
            events += decoded
            lines += renderer.render(decoded)
        }
        #expect(buffer.finish() == nil)
        return (events, lines, renderer.meter)
    }

    @Test func aRunThatWritesAFile() throws {
        let (events, lines, meter) = try replay("captured-write-file.ndjson")
        #expect(!events.contains { if case .malformed = $0 { true } else { false } })
        #expect(lines.filter { $0.hasPrefix("→") || $0.hasPrefix("←") || $0.hasPrefix("✓") } == [
            "→ Write: /tmp/kanbots-mock/write-file/repo/hello.txt",
            "← ok, 1 line",
            "→ Bash: cat hello.txt",
            "← ok, 1 line",
            "✓ completed in 3 turns, $0.0555",
        ])
        #expect(meter.sessionID == "a7893fa0-4346-4c62-ac94-dc5964cb9aea")
        #expect(meter.isReconciled && meter.costUSD == 0.055515)
        // Metered live, before the result: within 5% of what Claude billed.
        #expect(abs(meter.meteredCostUSD - 0.055515) / 0.055515 < 0.05)
    }

    @Test func aRunThatWaitsOutRateLimits() throws {
        let (events, _, meter) = try replay("captured-rate-limited.ndjson")
        let retries = events.compactMap { event -> RateLimit? in
            if case .rateLimited(let retry) = event { retry } else { nil }
        }
        #expect(retries.map(\.attempt) == [1, 2])
        #expect(retries.allSatisfy { $0.errorStatus == 429 && $0.maxRetries == 10 })
        #expect(!meter.isRateLimited)
        #expect(meter.result?.isError == false)
    }

    @Test func aRunWhoseRetriesRanOut() throws {
        let (_, lines, meter) = try replay("captured-429-exhausted.ndjson")
        #expect(meter.result?.apiErrorStatus == 429)
        #expect(meter.costUSD == 0)
        #expect(lines.last == "✗ failed (api_error 429) after 1 turn, $0.0000: API Error: Request rejected (429) · mock 429")
    }

    @Test func aRunStoppedByClaudesOwnBudget() throws {
        let (_, lines, meter) = try replay("captured-max-budget.ndjson")
        #expect(meter.result?.terminalReason == "budget_exhausted")
        #expect(isClose(meter.costUSD, 1.32))
        #expect(meter.crosses(cap: 1.0))
        #expect(lines.last == "✗ failed (budget_exhausted) after 4 turns, $1.3200: Reached maximum budget ($1)")
    }
}
