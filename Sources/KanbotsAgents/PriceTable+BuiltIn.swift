extension PriceTable {
    /// List prices as published by Anthropic and OpenAI at the time of
    /// writing (standard tier, 5-minute cache writes, short context). They go
    /// stale: users correct them with `kanbots.price.*` in git config, and
    /// for Claude the agent's own `total_cost_usd` reconciles every run.
    public static let builtIn = PriceTable(prices: builtInPrices)

    private static let builtInPrices: [String: ModelPrice] = {
        func claude(_ input: Double, _ output: Double) -> ModelPrice {
            // Anthropic prices cache writes at 1.25x and cache reads at 0.1x input.
            ModelPrice(input: input, output: output, cacheWrite: input * 1.25, cacheRead: input / 10)
        }
        func openAI(_ input: Double, _ output: Double, cached: Double) -> ModelPrice {
            ModelPrice(input: input, output: output, cacheWrite: input, cacheRead: cached)
        }
        let opusLegacy = claude(15, 75)
        let sonnet = claude(3, 15)
        let gpt5 = openAI(1.25, 10, cached: 0.125)
        let gpt5Mini = openAI(0.25, 2, cached: 0.025)
        let gpt52 = openAI(1.75, 14, cached: 0.175)
        let o4Mini = openAI(1.10, 4.40, cached: 0.275)
        return [
            "claude-opus-4-5": claude(5, 25),
            "claude-opus-4-1": opusLegacy,
            "claude-opus-4": opusLegacy,
            "claude-3-opus": opusLegacy,
            // Families price unlisted versions at the family's highest price.
            "opus": opusLegacy,
            "claude-sonnet-4-5": sonnet,
            "claude-sonnet-4": sonnet,
            "claude-3-7-sonnet": sonnet,
            "claude-3-5-sonnet": sonnet,
            "sonnet": sonnet,
            "claude-haiku-4-5": claude(1, 5),
            "claude-3-5-haiku": claude(0.80, 4),
            "claude-3-haiku": ModelPrice(input: 0.25, output: 1.25, cacheWrite: 0.30, cacheRead: 0.03),
            "haiku": claude(1, 5),

            "gpt-5": gpt5,
            "gpt-5-codex": gpt5,
            "gpt-5.1": gpt5,
            "gpt-5.1-codex": gpt5,
            "gpt-5.1-codex-max": gpt5,
            "gpt-5-mini": gpt5Mini,
            "gpt-5.1-codex-mini": gpt5Mini,
            "gpt-5-nano": openAI(0.05, 0.40, cached: 0.005),
            "gpt-5.2": gpt52,
            "gpt-5.2-codex": gpt52,
            "codex-mini-latest": openAI(1.50, 6, cached: 0.375),
            "o3": openAI(2, 8, cached: 0.50),
            "o3-mini": openAI(1.10, 4.40, cached: 0.55),
            "o4-mini": o4Mini,
            "gpt-4.1": openAI(2, 8, cached: 0.50),
            "gpt-4.1-mini": openAI(0.40, 1.60, cached: 0.10),
            "gpt-4o": openAI(2.50, 10, cached: 1.25),
        ]
    }()
}
