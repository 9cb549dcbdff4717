import KanbotsCore

/// What a model costs, in US dollars per million tokens.
public struct ModelPrice: Sendable, Equatable, Codable {
    public var input: Double
    public var output: Double
    /// Writing to the prompt cache (Claude charges a premium; OpenAI does not,
    /// so its entries repeat the input price).
    public var cacheWrite: Double
    public var cacheRead: Double

    public init(input: Double, output: Double, cacheWrite: Double, cacheRead: Double) {
        self.input = input
        self.output = output
        self.cacheWrite = cacheWrite
        self.cacheRead = cacheRead
    }

    /// The cost of the given tokens at this price, in USD.
    public func cost(of tokens: TokenCounts) -> Double {
        (Double(tokens.input) * input + Double(tokens.output) * output
            + Double(tokens.cacheCreation) * cacheWrite + Double(tokens.cacheRead) * cacheRead) / 1_000_000
    }
}

/// Per-model prices, with overrides from git config and a safe fallback.
///
/// Model ids are matched after normalization: case, provider prefixes
/// (`anthropic/`, `us.anthropic.`), release dates (`-20250929`,
/// `-2025-08-07`), Bedrock and Vertex suffixes (`-v1:0`, `@20250929`) and
/// context tags (`[1m]`) are ignored, so "claude-sonnet-4-5-20250929" finds
/// "claude-sonnet-4-5". A Claude model not listed is priced as the most
/// expensive known member of its family ("opus", "sonnet" or "haiku"), and
/// any other unknown model at `fallback`, which defaults to the most
/// expensive price in the table: an unknown model must never look free, and
/// a cap must trip early rather than late.
public struct PriceTable: Sendable, Equatable {
    /// Prices keyed by normalized model id, or by family name.
    public private(set) var prices: [String: ModelPrice]
    /// The price of a model that matches nothing.
    public var fallback: ModelPrice

    /// - Parameter fallback: Defaults to the entry with the highest output
    ///   price (then input price) in `prices`.
    public init(prices: [String: ModelPrice], fallback: ModelPrice? = nil) {
        var normalized: [String: ModelPrice] = [:]
        for (model, price) in prices { normalized[Self.normalizedModelID(model)] = price }
        self.prices = normalized
        self.fallback = fallback ?? Self.mostExpensive(of: Array(prices.values))
    }

    /// The price applied to a model id, following the matching rules above.
    public func price(for model: String) -> ModelPrice {
        let id = Self.normalizedModelID(model)
        if let price = prices[id] { return price }
        if let family = Self.claudeFamily(of: id), let price = prices[family] { return price }
        return fallback
    }

    /// The cost of one usage report, in USD.
    public func cost(of usage: TokenUsage) -> Double {
        price(for: usage.model).cost(of: usage.tokens)
    }

    /// Sets the price of a model id (or of a family, "opus", "sonnet", "haiku").
    public mutating func setPrice(_ price: ModelPrice, for model: String) {
        prices[Self.normalizedModelID(model)] = price
    }

    static func mostExpensive(of prices: [ModelPrice]) -> ModelPrice {
        prices.max { ($0.output, $0.input) < ($1.output, $1.input) }
            ?? ModelPrice(input: 15, output: 75, cacheWrite: 18.75, cacheRead: 1.5)
    }

    static func claudeFamily(of id: String) -> String? {
        ["opus", "sonnet", "haiku"].first { id.contains($0) }
    }

    /// The model id reduced to the form the table is keyed by.
    static func normalizedModelID(_ model: String) -> String {
        var id = Substring(model.lowercased()).drop { $0 == " " }
        for separator: Character in ["[", "@", ":"] {
            if let index = id.firstIndex(of: separator) { id = id[..<index] }
        }
        if let slash = id.lastIndex(of: "/") { id = id[id.index(after: slash)...] }
        if let provider = id.firstRange(of: "anthropic.") { id = id[provider.upperBound...] }
        var parts = id.split(separator: "-", omittingEmptySubsequences: false)
        if let last = parts.last, last.count >= 2, last.first == "v", last.dropFirst().allSatisfy(\.isNumber) {
            parts.removeLast()  // Bedrock's "-v1"
        }
        if let last = parts.last, last.count == 8, last.hasPrefix("20"), last.allSatisfy(\.isNumber) {
            parts.removeLast()  // "-20250929"
        } else if parts.count >= 3, parts[parts.count - 3].count == 4, parts[parts.count - 3].hasPrefix("20"),
            parts.suffix(3).allSatisfy({ $0.allSatisfy(\.isNumber) }),
            parts[parts.count - 2].count == 2, parts[parts.count - 1].count == 2
        {
            parts.removeLast(3)  // "-2025-08-07"
        }
        return parts.joined(separator: "-").trimmingSpaces()
    }
}

// MARK: - Overrides from git config

/// Why a price override from configuration was rejected.
public enum PriceOverrideError: Error, Equatable, CustomStringConvertible {
    case unknownField(key: String)
    case invalidValue(key: String, value: String)

    public var description: String {
        switch self {
        case .unknownField(let key):
            "\(key): expected kanbots.price.<model>.{input,output,cacheWrite,cacheRead}"
        case .invalidValue(let key, let value):
            "\(key) = \(value): expected a number of USD per million tokens, zero or more"
        }
    }
}

extension PriceTable {
    /// The configuration key prefix for prices.
    public static let configPrefix = "kanbots.price."

    /// A copy with the prices given as configuration entries applied.
    ///
    /// Entries look like `kanbots.price.<model>.<field> = <USD per million
    /// tokens>`, as `git config --get-regexp` lists them; `<field>` is
    /// `input`, `output`, `cacheWrite` or `cacheRead` (any case, `-` or `_`
    /// allowed), `<model>` may contain dots ("gpt-5.1-codex"), and the model
    /// `fallback` sets the price of unknown models. A field not given keeps
    /// the price the model had before. Keys with another prefix are ignored,
    /// so all of a repository's config can be passed as is. A bad entry is an
    /// error rather than skipped: a silently wrong price defeats the cap.
    public func applyingOverrides(_ entries: [(key: String, value: String)]) throws(PriceOverrideError) -> PriceTable {
        var table = self
        for (key, rawValue) in entries {
            guard key.lowercased().hasPrefix(Self.configPrefix) else { continue }
            let rest = key.dropFirst(Self.configPrefix.count)
            guard let dot = rest.lastIndex(of: "."), dot != rest.startIndex else {
                throw .unknownField(key: key)
            }
            let model = String(rest[..<dot])
            let field = rest[rest.index(after: dot)...].lowercased().filter { $0 != "-" && $0 != "_" }
            let text = rawValue.trimmingSpaces()
            guard let value = Double(text), value.isFinite, value >= 0 else {
                throw .invalidValue(key: key, value: rawValue)
            }
            let isFallback = model.lowercased() == "fallback"
            var price = isFallback ? table.fallback : table.price(for: model)
            switch field {
            case "input": price.input = value
            case "output": price.output = value
            case "cachewrite", "cachecreation": price.cacheWrite = value
            case "cacheread": price.cacheRead = value
            default: throw .unknownField(key: key)
            }
            if isFallback { table.fallback = price } else { table.setPrice(price, for: model) }
        }
        return table
    }
}
