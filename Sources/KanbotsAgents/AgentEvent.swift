import KanbotsCore

/// One typed event decoded from an agent's stream.
///
/// Adapters map each agent's own wire format onto these cases so that the
/// supervisor, the cost meter and `git kanbots log` never look at raw JSON.
/// Decoding never fails: a line nobody understands becomes `.unknown` or
/// `.malformed`, because the raw transcript, not this enum, is the record.
public enum AgentEvent: Sendable, Equatable, Codable {
    /// The agent announced its session (Claude `system/init`, Codex `thread.started`).
    case sessionStarted(SessionInfo)
    /// Prose the model wrote for the user, complete (not a streaming delta).
    case assistantText(String)
    /// The model asked for a tool to run.
    case toolUse(ToolUse)
    /// A tool finished; only a preview of its output is kept here.
    case toolResult(ToolResult)
    /// Token usage of one model response; a later event with the same
    /// `messageID` supersedes this one rather than adding to it.
    case usage(TokenUsage)
    /// The agent is retrying an API call after an error (429, 529, a dropped stream).
    case rateLimited(RateLimit)
    /// The agent's own account of how the run ended.
    case result(AgentResult)
    /// A non-fatal error or notice the agent reported.
    case error(String)
    /// A well-formed event of a type this adapter does not know; kept, never fatal.
    case unknown(type: String)
    /// A line that is not a JSON object (truncated, garbage, wrong shape).
    case malformed(lineNumber: Int, byteOffset: Int, reason: String)
}

/// Who the agent says it is for this run.
public struct SessionInfo: Sendable, Equatable, Codable {
    /// Claude's `session_id` (usable with `--resume`) or Codex's `thread_id`.
    public var sessionID: String
    /// Nil when the stream does not say (Codex never does).
    public var model: String?
    public var workingDirectory: String?

    public init(sessionID: String, model: String? = nil, workingDirectory: String? = nil) {
        self.sessionID = sessionID
        self.model = model
        self.workingDirectory = workingDirectory
    }
}

/// A tool invocation, reduced to what a reader of the thread needs.
public struct ToolUse: Sendable, Equatable, Codable {
    public var id: String
    public var name: String
    /// One line: the command, the file path, the query... never the full input,
    /// which may be a whole file being written.
    public var inputSummary: String

    public init(id: String, name: String, inputSummary: String) {
        self.id = id
        self.name = name
        self.inputSummary = inputSummary
    }
}

/// The outcome of a tool invocation. Outputs can be many megabytes, so only
/// a short preview and the sizes travel with the event.
public struct ToolResult: Sendable, Equatable, Codable {
    public var toolUseID: String
    public var isError: Bool
    /// At most about 200 characters of the output, with "…" when cut.
    public var preview: String
    /// Size of the full output in UTF-8 bytes.
    public var byteCount: Int
    /// Number of lines of the full output (0 when empty).
    public var lineCount: Int

    public init(toolUseID: String, isError: Bool, preview: String, byteCount: Int, lineCount: Int) {
        self.toolUseID = toolUseID
        self.isError = isError
        self.preview = preview
        self.byteCount = byteCount
        self.lineCount = lineCount
    }
}

/// Token counts in the four classes that are priced differently.
public struct TokenCounts: Sendable, Equatable, Codable {
    /// Input tokens read neither from nor into the prompt cache.
    public var input: Int
    public var output: Int
    /// Input tokens written to the prompt cache (Claude only).
    public var cacheCreation: Int
    /// Input tokens served from the prompt cache.
    public var cacheRead: Int

    public static let zero = TokenCounts(input: 0, output: 0, cacheCreation: 0, cacheRead: 0)

    public init(input: Int = 0, output: Int = 0, cacheCreation: Int = 0, cacheRead: Int = 0) {
        self.input = input
        self.output = output
        self.cacheCreation = cacheCreation
        self.cacheRead = cacheRead
    }

    public var total: Int { input + output + cacheCreation + cacheRead }

    public static func + (lhs: TokenCounts, rhs: TokenCounts) -> TokenCounts {
        TokenCounts(
            input: lhs.input + rhs.input,
            output: lhs.output + rhs.output,
            cacheCreation: lhs.cacheCreation + rhs.cacheCreation,
            cacheRead: lhs.cacheRead + rhs.cacheRead
        )
    }

    public static func - (lhs: TokenCounts, rhs: TokenCounts) -> TokenCounts {
        TokenCounts(
            input: lhs.input - rhs.input,
            output: lhs.output - rhs.output,
            cacheCreation: lhs.cacheCreation - rhs.cacheCreation,
            cacheRead: lhs.cacheRead - rhs.cacheRead
        )
    }
}

/// The usage of one model response, as far as the stream has told so far.
public struct TokenUsage: Sendable, Equatable, Codable {
    /// The response this usage belongs to. Claude repeats a message's usage on
    /// every content block, so consumers must replace, not add, per message.
    public var messageID: String
    public var model: String
    public var tokens: TokenCounts

    public init(messageID: String, model: String, tokens: TokenCounts) {
        self.messageID = messageID
        self.model = model
        self.tokens = tokens
    }
}

/// An API retry the agent announced, so a stall can be told from a wait.
public struct RateLimit: Sendable, Equatable, Codable {
    public var attempt: Int
    public var maxRetries: Int?
    public var retryDelayMilliseconds: Int?
    /// The HTTP status behind the retry (429 rate limit, 529 overloaded...), when known.
    public var errorStatus: Int?
    /// The agent's own word for the error, e.g. "rate_limit" or Codex's message.
    public var errorDescription: String?

    public init(
        attempt: Int, maxRetries: Int? = nil, retryDelayMilliseconds: Int? = nil,
        errorStatus: Int? = nil, errorDescription: String? = nil
    ) {
        self.attempt = attempt
        self.maxRetries = maxRetries
        self.retryDelayMilliseconds = retryDelayMilliseconds
        self.errorStatus = errorStatus
        self.errorDescription = errorDescription
    }
}

/// How the agent says the run ended.
public struct AgentResult: Sendable, Equatable, Codable {
    public var isError: Bool
    /// Claude's `subtype` ("success", "error_max_turns", ...) or the Codex event type.
    public var subtype: String
    /// The agent's own cost figure; when present it is the authoritative total.
    public var totalCostUSD: Double?
    public var turnCount: Int?
    public var sessionID: String?
    /// Aggregate usage across the whole session, when reported.
    public var tokens: TokenCounts?
    /// Cost per model id, from Claude's `modelUsage[model].costUSD`.
    public var modelCosts: [String: Double]
    /// Claude's `terminal_reason` (e.g. "max_turns", "budget_exhausted").
    public var terminalReason: String?
    /// The final answer, or the error text for a failed run.
    public var message: String?
    /// The HTTP status of the API error that ended the run (429 when the
    /// retries on a rate limit ran out), from Claude's `api_error_status`.
    public var apiErrorStatus: Int?
    public var durationMilliseconds: Int?

    /// The word a failed or finished run is recorded with. Claude can say
    /// `terminal_reason: "completed"` on an error result (the turn loop
    /// ended normally, the session did not): the subtype is then the one
    /// that says why it failed.
    public var endReason: String {
        guard let terminalReason, !(isError && terminalReason == "completed") else { return subtype }
        return terminalReason
    }

    public init(
        isError: Bool, subtype: String, totalCostUSD: Double? = nil, turnCount: Int? = nil,
        sessionID: String? = nil, tokens: TokenCounts? = nil, modelCosts: [String: Double] = [:],
        terminalReason: String? = nil, message: String? = nil, apiErrorStatus: Int? = nil,
        durationMilliseconds: Int? = nil
    ) {
        self.isError = isError
        self.subtype = subtype
        self.totalCostUSD = totalCostUSD
        self.turnCount = turnCount
        self.sessionID = sessionID
        self.tokens = tokens
        self.modelCosts = modelCosts
        self.terminalReason = terminalReason
        self.message = message
        self.apiErrorStatus = apiErrorStatus
        self.durationMilliseconds = durationMilliseconds
    }
}
