/// What a supervisor knows between transitions: cost so far, rate limits,
/// how far it has read the stream. Machine-local (the run's git record gets
/// the final figures); a re-attaching supervisor resumes from `offset`.
public struct LiveStatus: Codable, Sendable, Equatable {
    public var costUSD: Double = 0
    public var turns: Int = 0
    public var events: Int = 0
    /// Bytes of the transcript consumed so far.
    public var offset: Int64 = 0
    public var agentPID: Int32?
    public var sessionID: String?
    public var model: String?
    public var rateLimit: RateLimit?
    public var lastEventAt: Date?
    /// What the supervisor is doing besides following the agent:
    /// `setting_up` while it prepares the run's environment (includes,
    /// setup, services) before the agent starts, `checking` while the run's
    /// checks run. Nil while the agent works.
    public var phase: Phase?
    public var updatedAt = Date()

    public enum Phase: String, Codable, Sendable {
        case settingUp = "setting_up"
        case checking
    }

    public struct RateLimit: Codable, Sendable, Equatable {
        public var attempt: Int
        public var maxRetries: Int?
        public var errorStatus: Int?
        public var retryAt: Date

        public init(attempt: Int, maxRetries: Int?, errorStatus: Int?, retryAt: Date) {
            self.attempt = attempt
            self.maxRetries = maxRetries
            self.errorStatus = errorStatus
            self.retryAt = retryAt
        }
    }

    public init() {}

}
