import KanbotsCore

/// Reads why an agent failed from what it wrote to stderr (and its error
/// result), and names the fix when the cause is a known one.
public struct AgentFailureDiagnosis: Sendable, Equatable {
    /// How much of the end of an agent's stderr a run keeps.
    public static let keptStderrBytes = 64 * 1024

    /// The agent's last meaningful line.
    public var lastLine: String?
    /// What the user should do, when the cause is recognised.
    public var fix: String?

    /// - Parameters:
    ///   - stderr: the end of the agent's stderr (redacted).
    ///   - resultMessage: the error the agent's stream ended with, if any.
    public init(agent: String, stderr: String, resultMessage: String? = nil) {
        let lines = Self.meaningfulLines(stderr)
        lastLine = lines.last ?? resultMessage.flatMap { $0.isEmpty ? nil : $0 }
        let haystack = (lines.suffix(40) + [resultMessage ?? ""]).joined(separator: "\n").lowercased()
        fix = Self.knownCauses.first { cause in
            (cause.agent == nil || cause.agent == agent) && cause.patterns.contains { haystack.contains($0) }
        }.map { $0.fix(agent) }
    }

    /// The last `count` lines worth showing (blank lines and the CLIs'
    /// routine notices left out).
    public static func lastLines(of stderr: String, count: Int) -> [String] {
        Array(meaningfulLines(stderr).suffix(count))
    }

    static func meaningfulLines(_ text: String) -> [String] {
        text.split(whereSeparator: \.isNewline).map { $0.trimmingSpaces() }.filter { line in
            !line.isEmpty && !routineNotices.contains { line.hasPrefix($0) }
        }
    }

    /// What Codex always prints on stderr, failing or not.
    static let routineNotices = [
        "Reading additional input from stdin", "Reading prompt from stdin",
        "WARNING: proceeding, even though we could not create PATH aliases",
    ]

    struct Cause: Sendable {
        var agent: String?
        var patterns: [String]
        var fix: @Sendable (String) -> String
    }

    static let knownCauses: [Cause] = [
        Cause(agent: "claude", patterns: ["cannot be used with root/sudo privileges"]) { _ in
            "Claude Code refuses bypass mode as root; set IS_SANDBOX=1 in a container, "
                + "or choose `kanbots.agent.claude.permission-mode`"
        },
        Cause(agent: nil, patterns: [
            "invalid api key", "invalid x-api-key", "incorrect api key", "401 unauthorized", "status 401",
            "authentication_error", "invalid_api_key",
        ]) { agent in
            "the model API refused the key (401); check \(keyVariable(agent)) (or the agent's login)"
        },
        Cause(agent: nil, patterns: [
            "missing environment variable: `openai_api_key`", "openai_api_key is not set", "no api key",
            "anthropic_api_key is not set", "not logged in", "please run /login", "codex login",
        ]) { agent in
            "no API key: set \(keyVariable(agent)) (or log the agent in) in the environment you dispatch from"
        },
        Cause(agent: nil, patterns: [
            "model_not_found", "model not found", "does not exist or you do not have access",
            "not_found_error", "unknown model", "invalid model",
        ]) { agent in
            "the model was not found; dispatch with `--model` naming one your account can use, "
                + "or set `kanbots.model`" + (agent == "codex" ? " (or `model` in $CODEX_HOME/config.toml)" : "")
        },
    ]

    static func keyVariable(_ agent: String) -> String {
        switch agent {
        case "codex": "OPENAI_API_KEY"
        case "claude": "ANTHROPIC_API_KEY"
        default: "the agent's API key"
        }
    }
}
