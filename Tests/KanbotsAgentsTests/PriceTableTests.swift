import Testing

@testable import KanbotsAgents

@Suite struct PriceTableTests {
    let table = PriceTable.builtIn
    let sonnet = ModelPrice(input: 3, output: 15, cacheWrite: 3.75, cacheRead: 0.3)

    @Test(arguments: [
        ("claude-sonnet-4-5-20250929", "claude-sonnet-4-5"),
        ("Claude-Opus-4-1-20250805", "claude-opus-4-1"),
        ("claude-opus-4-5[1m]", "claude-opus-4-5"),
        ("us.anthropic.claude-sonnet-4-5-20250929-v1:0", "claude-sonnet-4-5"),
        ("claude-sonnet-4-5@20250929", "claude-sonnet-4-5"),
        ("anthropic/claude-3-5-haiku-20241022", "claude-3-5-haiku"),
        ("gpt-5-2025-08-07", "gpt-5"),
        ("openai/gpt-5.1-codex", "gpt-5.1-codex"),
        ("o4-mini-2025-04-16", "o4-mini"),
        ("codex-mini-latest", "codex-mini-latest"),
    ])
    func normalizesModelIDs(model: String, expected: String) {
        #expect(PriceTable.normalizedModelID(model) == expected)
    }

    @Test func pricesKnownModelsByIdAndFamily() {
        #expect(table.price(for: "claude-sonnet-4-5-20250929") == sonnet)
        #expect(table.price(for: "claude-opus-4-5-20251101") == ModelPrice(input: 5, output: 25, cacheWrite: 6.25, cacheRead: 0.5))
        #expect(table.price(for: "claude-haiku-4-5-20251001") == ModelPrice(input: 1, output: 5, cacheWrite: 1.25, cacheRead: 0.1))
        #expect(table.price(for: "gpt-5-codex").output == 10)
        #expect(table.price(for: "o4-mini").input == 1.10)
        // A Claude version the table does not list gets its family's highest price.
        #expect(table.price(for: "claude-opus-9-20300101") == table.price(for: "claude-opus-4-1"))
        #expect(table.price(for: "claude-sonnet-7") == sonnet)
    }

    @Test func unknownModelsCostTheMostExpensiveKnownPrice() {
        let unknown = table.price(for: "some-new-model")
        #expect(unknown == table.fallback)
        #expect(unknown == ModelPrice(input: 15, output: 75, cacheWrite: 18.75, cacheRead: 1.5))
        for price in table.prices.values { #expect(price.output <= unknown.output) }
        #expect(table.price(for: "") == unknown)
        #expect(table.cost(of: TokenUsage(messageID: "m", model: "mystery", tokens: TokenCounts(output: 1000))) == 0.075)
    }

    @Test func costsEachTokenClassAtItsPrice() {
        let tokens = TokenCounts(input: 1_000_000, output: 100_000, cacheCreation: 200_000, cacheRead: 2_000_000)
        // 3 + 1.5 + 0.75 + 0.6
        #expect(isClose(sonnet.cost(of: tokens), 5.85))
    }

    @Test func appliesOverridesFromGitConfig() throws {
        let entries: [(key: String, value: String)] = [
            ("core.editor", "vim"),
            ("kanbots.price.claude-sonnet-4-5.input", "2.5"),
            ("kanbots.price.claude-sonnet-4-5.cachewrite", " 4 "),
            ("kanbots.price.gpt-5.1-codex.output", "12"),
            ("kanbots.price.my-local-model.input", "0"),
            ("kanbots.price.my-local-model.output", "0"),
            ("kanbots.price.my-local-model.cache-write", "0"),
            ("kanbots.price.my-local-model.cache_read", "0"),
            ("KANBOTS.PRICE.fallback.output", "100"),
        ]
        let overridden = try table.applyingOverrides(entries)
        // Fields not given keep the price the model had.
        #expect(overridden.price(for: "claude-sonnet-4-5-20250929") == ModelPrice(input: 2.5, output: 15, cacheWrite: 4, cacheRead: 0.3))
        #expect(overridden.price(for: "gpt-5.1-codex") == ModelPrice(input: 1.25, output: 12, cacheWrite: 1.25, cacheRead: 0.125))
        #expect(overridden.price(for: "my-local-model") == ModelPrice(input: 0, output: 0, cacheWrite: 0, cacheRead: 0))
        #expect(overridden.price(for: "unheard-of").output == 100)
        #expect(overridden.price(for: "unheard-of").input == 15)
        // The table it came from is untouched.
        #expect(table.price(for: "claude-sonnet-4-5") == sonnet)
    }

    @Test func rejectsBadOverrides() {
        #expect(throws: PriceOverrideError.invalidValue(key: "kanbots.price.gpt-5.input", value: "cheap")) {
            try table.applyingOverrides([("kanbots.price.gpt-5.input", "cheap")])
        }
        #expect(throws: PriceOverrideError.invalidValue(key: "kanbots.price.gpt-5.input", value: "-1")) {
            try table.applyingOverrides([("kanbots.price.gpt-5.input", "-1")])
        }
        #expect(throws: PriceOverrideError.unknownField(key: "kanbots.price.gpt-5.inptu")) {
            try table.applyingOverrides([("kanbots.price.gpt-5.inptu", "1")])
        }
        #expect(throws: PriceOverrideError.unknownField(key: "kanbots.price.input")) {
            try table.applyingOverrides([("kanbots.price.input", "1")])
        }
    }
}
