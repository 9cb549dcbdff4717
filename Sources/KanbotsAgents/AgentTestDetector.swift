import KanbotsCore

/// Tells from an agent's events whether it ran the project's tests itself,
/// and how the last such run ended: shell tool calls (Claude's `Bash`,
/// Codex's `command_execution`) whose command matches one of
/// `kanbots.review.test-commands`, and the result of the last one.
///
/// A command matches when the pattern's words appear in it in a row, at
/// word boundaries, after any path and with options between them
/// (`./gradlew test`, `cd app && npm test`, `python -m pytest -q`, `mvn -q
/// test` all count). Only the command's one-line
/// summary is seen, and a pipe hides the test's status behind the last
/// command's, as in the shell.
public struct AgentTestDetector: Sendable {
    /// What counts as running the tests when the config names nothing.
    public static let defaultTestCommands = [
        "swift test", "pytest", "go test", "cargo test", "npm test", "npm run test", "pnpm test", "yarn test",
        "make test", "make check", "mvn test", "gradle test", "gradlew test", "ctest",
    ]

    /// Tool names whose input summary is a shell command.
    static let shellTools: Set<String> = ["bash", "shell"]

    private let patterns: [[Substring]]
    /// The id of the last test call seen, and whether its result came back clean.
    private var lastTestCall: String?
    private var lastPassed: Bool?

    public init(testCommands: [String] = Self.defaultTestCommands) {
        patterns = testCommands.map { Self.words($0) }.filter { !$0.isEmpty }
    }

    public mutating func consume(_ event: AgentEvent) {
        switch event {
        case .toolUse(let use) where Self.shellTools.contains(use.name.lowercased()) && isTestCommand(use.inputSummary):
            lastTestCall = use.id
            lastPassed = nil
        case .toolResult(let result) where result.toolUseID == lastTestCall:
            lastPassed = !result.isError
        default:
            break
        }
    }

    /// `no` until a test command was seen; a test call whose result never
    /// came (the agent was killed while it ran) counts as failed.
    public var verdict: AgentTested {
        guard lastTestCall != nil else { return .no }
        return lastPassed == true ? .passed : .failed
    }

    public func isTestCommand(_ command: String) -> Bool {
        let words = Self.words(command).map { $0.split(separator: "/").last ?? $0 }
        return patterns.contains { pattern in
            words.indices.contains { Self.matches(pattern[...], words[$0...]) }
        }
    }

    /// The pattern's words from the start of `words`, options (`-q`) allowed
    /// between them: `mvn -q test` is `mvn test`.
    private static func matches(_ pattern: ArraySlice<Substring>, _ words: ArraySlice<Substring>) -> Bool {
        guard let head = pattern.first else { return true }
        guard let word = words.first, word == head else { return false }
        let rest = words.dropFirst().drop { $0.hasPrefix("-") && pattern.count > 1 }
        return matches(pattern.dropFirst(), rest)
    }

    /// Words of a shell command: split on blanks and the operators that
    /// join commands, and quotes, so `make test;`, `(cargo test)` and
    /// `bash -lc 'swift test'` still match.
    private static func words(_ text: String) -> [Substring] {
        text.split { $0.isWhitespace || ";&|()`'\"".contains($0) }
    }
}
