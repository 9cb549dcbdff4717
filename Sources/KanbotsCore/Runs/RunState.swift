/// Where a run is in its lifecycle (docs/state-format.md, "Run lifecycle").
public enum RunState: String, Sendable, Codable, CaseIterable {
    case queued
    case running
    case awaitingDecision = "awaiting_decision"
    case completed
    case failed
    case cancelled
    /// The worktree and branch were removed on purpose; the history stays.
    case discarded
    /// The branch was pushed and a pull request opened.
    case promoted
    /// The branch was merged into its base.
    case merged
    /// Another attempt of the same card landed (`Superseded-By` names it).
    /// A state of its own rather than a reason on `completed`: a completed
    /// run whose branch is ahead shows In review, and a superseded attempt
    /// must not; its branch and history are kept, `gc` may free its worktree.
    case superseded

    /// States in which a supervisor is expected to be alive.
    public var isActive: Bool {
        switch self {
        case .queued, .running, .awaitingDecision: true
        default: false
        }
    }

    public var isFinished: Bool { !isActive }
}

/// The well-known reasons recorded with a state. Free text is allowed too.
public enum Reason {
    public static let supervisorLost = "supervisor_lost"
    public static let dispatchInterrupted = "dispatch_interrupted"
    public static let costCapped = "cost_capped"
    public static let stoppedByUser = "stopped_by_user"
    public static let noDiff = "no_diff"
    public static let rateLimited = "rate_limited"
    /// The device holding the transcript filled up; the transcript stays in
    /// `.git/kanbots/runs/<id>/` when it did not fit into the record.
    public static let diskFull = "disk_full"
    /// Shown (never recorded) while the supervisor runs the run's checks.
    public static let checking = "checking"
    /// Shown (never recorded) while the supervisor prepares the run's environment.
    public static let settingUp = "setting_up"
    /// The agent wrote outside its card's scope under `kanbots.scope-policy = stop`.
    public static func scopeViolation(_ path: String) -> String { "scope_violation \(path)" }
    public static func agentExited(_ status: Int32) -> String { "agent_exited \(status)" }
    public static func agentKilled(_ signal: Int32) -> String { "agent_killed \(signal)" }
}
