/// Why a run's agent failed, in its own words: the record keeps the last
/// line it wrote to stderr (or its error result) and, when the cause is a
/// known one, the fix (docs/state-format.md). The fuller story, the last
/// 64 KB of its stderr, is the record's attachment `agent-stderr.txt`.
extension RunRecord {
    /// The attachment holding the end of the agent's stderr, redacted.
    public static let agentStderrFile = "agent-stderr.txt"
    static let agentErrorKey = "Agent-Error"
    static let agentErrorFixKey = "Agent-Error-Fix"

    /// The agent's last word on a failed run, one line.
    public var agentError: String? {
        get { extraValue(Self.agentErrorKey) }
        set { setExtra(Self.agentErrorKey, newValue.map(Self.oneLine)) }
    }

    /// What to do about it, when the cause is known.
    public var agentErrorFix: String? {
        get { extraValue(Self.agentErrorFixKey) }
        set { setExtra(Self.agentErrorFixKey, newValue.map(Self.oneLine)) }
    }

    /// A trailer value is one line: newlines become spaces, and it is kept short.
    static func oneLine(_ text: String) -> String {
        let flat = text.split(whereSeparator: \.isNewline).joined(separator: " ").trimmingSpaces()
        return flat.count > 300 ? String(flat.prefix(299)) + "…" : flat
    }
}
