import Testing

@testable import KanbotsAgents

@Suite struct TranscriptRendererTests {
    @Test func rendersAClaudeSessionAsAReadableThread() {
        var parser = ClaudeStreamParser(estimatesOutputTokens: false)
        var renderer = TranscriptRenderer(width: 120)
        let lines = decode(Fixture.claudeLines, with: &parser).flatMap { renderer.render($0) }
        let offsets = Fixture.claudeLines.reduce(into: [0]) { $0.append($0.last! + $1.utf8.count + 1) }
        let truncatedSize = Fixture.claudeLines[12].utf8.count
        #expect(lines == [
            "● session 9b0c7f4e-2a51-4c0e-8d3c-6f1d2e7a9b10 · claude-sonnet-4-5-20250929 · /repo/.git/kanbots/worktrees/issue-42-7",
            "  · $0.0226 so far",
            "I'll add a CSV exporter. First, the tests.",
            "→ Bash: swift test --filter ExportTests",
            "← ok, 5 lines",
            "⏳ rate limited (429), attempt 2/10, retry in 4.0s",
            "  · $0.0321 so far",
            "→ Read: /repo/Sources/App/Export.swift",
            "← error: <tool_use_error>File does not exist.</tool_use_error>",
            "⚠ line 9 (byte \(offsets[8])) unreadable: invalid JSON (21 bytes)",
            "  · $0.0374 so far",
            "Done: the exporter is in place.",
            "  · $0.0435 so far",
            "⚠ line 13 (byte \(offsets[12])) unreadable: invalid JSON (\(truncatedSize) bytes)",
            "✓ completed in 5 turns, $0.0612",
        ])
    }

    @Test func rendersACodexRun() {
        var parser = CodexStreamParser(model: "gpt-5-codex")
        var renderer = TranscriptRenderer(width: 80, showsRunningCost: false)
        let lines = decode(Fixture.codexLines, with: &parser).flatMap { renderer.render($0) }
        #expect(lines.contains("→ shell: bash -lc 'swift test'"))
        #expect(lines.contains("← error: Building..."))
        #expect(lines.contains("→ edit: add Sources/App/Export.swift, update Sources/App/main.swift"))
        #expect(lines.contains("⏳ rate limited (429), attempt 2/5"))
        #expect(lines.contains("⚠ model rerouted: gpt-5-codex -> gpt-5"))
        #expect(lines.last == "✓ completed in 1 turn, $0.0047")
        #expect(!lines.contains { $0.contains("so far") })
    }

    @Test func wrapsAssistantTextKeepingParagraphs() {
        var renderer = TranscriptRenderer(width: 20)
        let text = "The exporter quotes fields that contain commas.\n\nDone."
        #expect(renderer.render(.assistantText(text)) == [
            "The exporter quotes", "fields that contain", "commas.", "", "Done.",
        ])
    }

    @Test func rendersFailuresAndRetries() {
        var renderer = TranscriptRenderer()
        let failure = AgentResult(
            isError: true, subtype: "error_max_turns", totalCostUSD: 1.5, turnCount: 30,
            terminalReason: "max_turns", message: "Reached maximum number of turns (30)"
        )
        #expect(renderer.render(.result(failure)) == ["✗ failed (max_turns) after 30 turns, $1.5000: Reached maximum number of turns (30)"])
        #expect(renderer.render(.rateLimited(RateLimit(attempt: 1, maxRetries: 10, retryDelayMilliseconds: 600, errorStatus: 529)))
            == ["⏳ API error (529), retrying, attempt 1/10, retry in 0.6s"])
        #expect(renderer.render(.toolResult(ToolResult(toolUseID: "t", isError: false, preview: "x", byteCount: 1, lineCount: 1)))
            == ["← ok, 1 line"])
        #expect(renderer.render(.unknown(type: "stream_event")).isEmpty)
    }
}
