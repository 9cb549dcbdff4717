import KanbotsCore

/// Turns one line of an agent's NDJSON stream into typed events.
///
/// There is one adapter per agent kind. Adapters are stateful values (Claude
/// repeats a message's usage on every content block, so the adapter has to
/// remember which messages it has already reported), hence `mutating`.
/// Feed every line, in order, to the same parser.
public protocol StreamParser: Sendable {
    /// Decodes one line (without its line terminator).
    ///
    /// Never throws and never traps: a line that is not a JSON object yields
    /// `.malformed`, a JSON object of an unknown kind yields `.unknown`, and a
    /// blank line yields nothing.
    /// - Parameters:
    ///   - lineNumber: 1-based position of the line in the transcript, for `.malformed`.
    ///   - byteOffset: Where the line starts in the transcript, for `.malformed`.
    mutating func events(fromLine line: Data, lineNumber: Int, byteOffset: Int) -> [AgentEvent]
}

extension StreamParser {
    /// Decodes a line given as text; convenient for tests and fixtures.
    public mutating func events(fromLine line: String, lineNumber: Int = 1, byteOffset: Int = 0) -> [AgentEvent] {
        events(fromLine: Data(line.utf8), lineNumber: lineNumber, byteOffset: byteOffset)
    }
}

/// The agents git-kanbots knows how to supervise.
public enum AgentKind: String, Sendable, Codable, CaseIterable {
    case claude
    case codex
    /// An Agent Client Protocol agent behind `git-kanbots acp-client`.
    case acp
    /// Aider behind `git-kanbots aider-client`.
    case aider

    /// A fresh parser for one transcript of this kind of agent.
    /// - Parameter model: The model the agent was started with. Codex's stream
    ///   never names its model, so without it Codex usage is priced at the
    ///   conservative fallback price.
    public func makeParser(model: String? = nil) -> any StreamParser {
        switch self {
        case .claude: ClaudeStreamParser()
        case .codex: CodexStreamParser(model: model)
        case .acp: ACPStreamParser(model: model)
        case .aider: AiderStreamParser(model: model)
        }
    }

    /// The kind of a run's agent: its recorded protocol for agents defined
    /// in git config, else its name; the demo agent speaks Claude's stream.
    public init(agent: String, agentProtocol: String?) {
        self = agentProtocol.flatMap(AgentKind.init(rawValue:)) ?? AgentKind(rawValue: agent) ?? .claude
    }
}

// MARK: - Shared decoding helpers

typealias JSONObject = [String: Any]

/// Outcome of reading one line as a JSON object.
enum LineDecoding {
    case blank
    case object(JSONObject)
    case malformed(String)
}

/// Parses a line as a JSON object, classifying failures instead of throwing.
func decodeLine(_ line: Data) -> LineDecoding {
    if line.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D || $0 == 0x0A }) {
        return .blank
    }
    let elides = !FoundationLineDecoder.decodesLongStringsWhole && line.count >= elisionLineThreshold
    let elided = elides ? elidingLargeStrings(in: line) : nil
    var value: Any
    do {
        let text = elided?.skeleton ?? line
        value = try FoundationLineDecoder.isSelected ? FoundationLineDecoder.parse(text) : DynamicJSON.parse(text)
    } catch {
        // The size is what tells a truncated line from garbage when reading logs.
        return .malformed("invalid JSON (\(line.count) bytes)")
    }
    if let elided { value = restoringElidedStrings(in: value, elided.strings) }
    guard let object = value as? JSONObject else {
        return .malformed("not a JSON object")
    }
    return .object(object)
}

// JSON numbers arrive as Int or Double depending on the literal, so every
// numeric read goes through these.

func intValue(_ value: Any?) -> Int? {
    switch value {
    case let int as Int: int
    case let double as Double where double.isFinite: Int(double)
    default: nil
    }
}

func doubleValue(_ value: Any?) -> Double? {
    switch value {
    case let double as Double: double
    case let int as Int: Double(int)
    default: nil
    }
}

func boolValue(_ value: Any?) -> Bool? {
    switch value {
    case let bool as Bool: bool
    default: nil
    }
}

/// Strings may arrive elided (see `LargeJSONString`); this decodes them.
func stringValue(_ value: Any?) -> String? {
    switch value {
    case let text as String: text
    case let large as LargeJSONString: large.decoded()
    default: nil
    }
}

/// Whether a value is a string with no characters, without decoding it.
func isEmptyString(_ value: Any?) -> Bool {
    switch value {
    case let text as String: text.isEmpty
    case let large as LargeJSONString: large.decodedByteCount == 0
    default: true
    }
}

/// Roughly the bytes of text a JSON value carries, for estimating tokens.
func approximateTextSize(_ value: Any?) -> Int {
    switch value {
    case let text as String: text.utf8.count
    case let large as LargeJSONString: large.decodedByteCount
    case let object as JSONObject: object.reduce(0) { $0 + $1.key.utf8.count + approximateTextSize($1.value) }
    case let array as [Any]: array.reduce(0) { $0 + approximateTextSize($1) }
    case nil: 0
    default: 4  // A number, a boolean or null.
    }
}
