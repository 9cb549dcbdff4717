/// A run's wall-clock cap: a duration, or none on purpose.
public enum MaxTime: Sendable, Equatable {
    case seconds(TimeInterval)
    /// The user said `none`: the run may take as long as it takes.
    case unlimited

    /// `90s`, `30m`, `2h`, plain seconds, or `none`; nil for anything else
    /// (and for zero, which would stop a run before it starts).
    public init?(_ text: String) {
        if text.trimmingSpaces().lowercased() == "none" {
            self = .unlimited
            return
        }
        guard let seconds = DurationText.seconds(text), seconds > 0 else { return nil }
        self = .seconds(seconds)
    }

    /// As recorded: whole seconds, or `none`.
    public var text: String {
        switch self {
        case .seconds(let seconds): String(Int(seconds.rounded(.up)))
        case .unlimited: "none"
        }
    }

    public var limit: TimeInterval? {
        if case .seconds(let seconds) = self { return seconds }
        return nil
    }
}

extension Reason {
    /// The run passed its wall-clock cap (`Max-Time`); followed by the seconds it ran.
    public static let timeCapped = "time_capped"
}

extension RunRecord {
    static let maxTimeKey = "Max-Time"
    static let agentProtocolKey = "Agent-Protocol"
    static let meteredKey = "Metered"

    /// The wall-clock cap the supervisor enforces (`Max-Time`, seconds or `none`).
    public var maxTime: MaxTime? {
        get { extraValue(Self.maxTimeKey).flatMap(MaxTime.init) }
        set { setExtra(Self.maxTimeKey, newValue?.text) }
    }

    /// The protocol of an agent defined in git config (`Agent-Protocol: acp`);
    /// nil for the built-in agents, whose name says it.
    public var agentProtocol: String? {
        get { extraValue(Self.agentProtocolKey) }
        set { setExtra(Self.agentProtocolKey, newValue) }
    }

    /// False when the agent reported neither a cost nor tokens (`Metered: no`):
    /// its `Cost-USD` of 0 means "unknown", not "free".
    public var isMetered: Bool {
        get { extraValue(Self.meteredKey) != "no" }
        set { setExtra(Self.meteredKey, newValue ? nil : "no") }
    }
}
