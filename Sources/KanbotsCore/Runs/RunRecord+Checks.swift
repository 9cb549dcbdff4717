/// How a run's checks (`kanbots.check`, a card's `--check`) ended.
public enum ChecksOutcome: String, Sendable, Codable, CaseIterable {
    case passed
    case failed
    case timedOut = "timed_out"
}

/// The outcome of running a run's checks once, as recorded on the run:
///
///     Checks: failed
///     Checks-Exit: 1
///     Checks-Seconds: 12.4
///     Checks-Failed: swift test
///     Checks-Commit: <the branch tip the checks ran on>
///
/// The output is the record's attachment `checks.log`.
public struct ChecksResult: Sendable, Equatable {
    public var outcome: ChecksOutcome
    /// The exit status of the check that decided the outcome (the first
    /// failing one, else the last); nil when it was killed on the timeout.
    public var exitCode: Int32?
    public var seconds: Double
    /// The command that failed or timed out.
    public var failedCommand: String?
    /// The commit the checks ran on: a newer branch tip makes them stale.
    public var commit: String?

    public init(outcome: ChecksOutcome, exitCode: Int32?, seconds: Double, failedCommand: String? = nil,
                commit: String? = nil) {
        self.outcome = outcome
        self.exitCode = exitCode
        self.seconds = seconds
        self.failedCommand = failedCommand
        self.commit = commit
    }

    /// The attachment holding the checks' redacted output (its last 1 MB).
    public static let logFile = "checks.log"
}

/// Whether the agent ran the project's tests itself, read from its transcript:
/// tool calls whose command matches `kanbots.review.test-commands`, and the
/// exit status of the last one.
public enum AgentTested: String, Sendable, Codable, CaseIterable {
    case passed = "yes_passed"
    case failed = "yes_failed"
    case no

    /// As `review` prints it.
    public var label: String {
        switch self {
        case .passed: "yes, passed"
        case .failed: "yes, failed"
        case .no: "no"
        }
    }
}

extension RunRecord {
    enum ChecksKey {
        static let outcome = "Checks"
        static let exit = "Checks-Exit"
        static let seconds = "Checks-Seconds"
        static let failed = "Checks-Failed"
        static let commit = "Checks-Commit"
        static let agentTested = "Agent-Tested"
        static let scopeViolation = "Scope-Violation"
    }

    /// The last recorded checks, or nil when none ran.
    public var checks: ChecksResult? {
        get {
            guard let outcome = extraValue(ChecksKey.outcome).flatMap(ChecksOutcome.init(rawValue:)) else { return nil }
            return ChecksResult(
                outcome: outcome, exitCode: extraValue(ChecksKey.exit).flatMap { Int32($0) },
                seconds: extraValue(ChecksKey.seconds).flatMap(Double.init) ?? 0,
                failedCommand: extraValue(ChecksKey.failed), commit: extraValue(ChecksKey.commit))
        }
        set {
            setExtra(ChecksKey.outcome, newValue?.outcome.rawValue)
            setExtra(ChecksKey.exit, newValue?.exitCode.map(String.init))
            setExtra(ChecksKey.seconds, newValue.map { String(printf: "%.1f", $0.seconds) })
            setExtra(ChecksKey.failed, newValue?.failedCommand)
            setExtra(ChecksKey.commit, newValue?.commit)
        }
    }

    /// Whether the agent tested its own work; nil when not determined yet.
    public var agentTested: AgentTested? {
        get { extraValue(ChecksKey.agentTested).flatMap(AgentTested.init(rawValue:)) }
        set { setExtra(ChecksKey.agentTested, newValue?.rawValue) }
    }

    /// Paths the agent wrote outside its card's scope, in the order seen.
    public var scopeViolations: [String] {
        extra.filter { $0.key == ChecksKey.scopeViolation }.map(\.value)
    }

    /// Records one more out-of-scope path (once).
    public mutating func addScopeViolation(_ path: String) {
        guard !scopeViolations.contains(path) else { return }
        extra.append(Field(key: ChecksKey.scopeViolation, value: path))
    }
}
