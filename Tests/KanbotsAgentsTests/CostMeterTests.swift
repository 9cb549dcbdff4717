import Testing

@testable import KanbotsAgents

@Suite struct CostMeterTests {
    /// Sonnet at $3 in, $15 out, $3.75 cache write, $0.30 cache read:
    /// msg_01A 0.0226032 + msg_01B 0.0094542 + msg_01C (412 out) 0.0114732.
    let meteredFixtureCost = 0.0435306

    func meterFixture(upTo lineCount: Int) -> CostMeter {
        var parser = ClaudeStreamParser(estimatesOutputTokens: false)
        var meter = CostMeter()
        for events in decode(Array(Fixture.claudeLines.prefix(lineCount)), with: &parser) {
            meter.record(events)
        }
        return meter
    }

    @Test func metersUsageAndCountsEachMessageOnce() {
        let meter = meterFixture(upTo: Fixture.claudeLines.count - 1)
        #expect(isClose(meter.costUSD, meteredFixtureCost))
        #expect(meter.meteredCostUSD == meter.costUSD)
        #expect(!meter.isReconciled)
        #expect(meter.turnCount == 3)
        #expect(meter.tokens == TokenCounts(input: 17, output: 414, cacheCreation: 6320, cacheRead: 45232))
        #expect(meter.sessionID == Fixture.claudeSession)
        #expect(meter.model == "claude-sonnet-4-5-20250929")
    }

    @Test func theAgentsOwnTotalReplacesTheMeteredFigure() {
        let meter = meterFixture(upTo: Fixture.claudeLines.count)
        #expect(meter.isReconciled)
        #expect(meter.costUSD == 0.0612345)
        #expect(isClose(meter.meteredCostUSD, meteredFixtureCost))
        #expect(meter.turnCount == 5)
        #expect(meter.result?.subtype == "success")
    }

    @Test func usageAfterReconciliationAddsToTheReconciledTotal() {
        var meter = CostMeter()
        meter.record(.result(AgentResult(isError: false, subtype: "success", totalCostUSD: 1.0)))
        meter.record(.usage(TokenUsage(messageID: "late", model: "claude-sonnet-4-5", tokens: TokenCounts(output: 100_000))))
        #expect(isClose(meter.costUSD, 2.5))
    }

    @Test func aLaterSnapshotOfAMessageReplacesTheEarlierOne() {
        var meter = CostMeter()
        let model = "claude-opus-4-5"
        meter.record(.usage(TokenUsage(messageID: "m1", model: model, tokens: TokenCounts(input: 1000, output: 1))))
        meter.record(.usage(TokenUsage(messageID: "m1", model: model, tokens: TokenCounts(input: 1000, output: 1000))))
        // 1000 in at $5 + 1000 out at $25, counted once.
        #expect(isClose(meter.costUSD, 0.03))
        #expect(meter.tokens == TokenCounts(input: 1000, output: 1000))
        #expect(meter.turnCount == 1)
    }

    @Test func crossesTheCapOnceItIsReached() {
        var meter = CostMeter()
        #expect(!meter.crosses(cap: 0.02))
        meter.record(.usage(TokenUsage(messageID: "m1", model: "claude-sonnet-4-5", tokens: TokenCounts(output: 1000))))
        #expect(!meter.crosses(cap: 0.02))
        #expect(meter.crosses(cap: 0.015))
        meter.record(.usage(TokenUsage(messageID: "m2", model: "claude-sonnet-4-5", tokens: TokenCounts(output: 1000))))
        #expect(meter.crosses(cap: 0.02))
        #expect(meter.crosses(cap: 0))
    }

    @Test func remembersARetryUntilTheAgentMakesProgress() {
        var meter = CostMeter()
        let retry = RateLimit(attempt: 3, maxRetries: 10, retryDelayMilliseconds: 8000, errorStatus: 429)
        meter.record(.rateLimited(retry))
        #expect(meter.isRateLimited)
        #expect(meter.rateLimit == retry)
        meter.record(.unknown(type: "rate_limit_event"))
        #expect(meter.rateLimit == retry)
        meter.record(.assistantText("back"))
        #expect(!meter.isRateLimited)
    }
}
