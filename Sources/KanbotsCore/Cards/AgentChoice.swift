/// An agent and model named by one source of defaults: dispatch's flags, a
/// card (`Agent:`/`Model:`), a persona, or the config (`kanbots.agent`,
/// `kanbots.model`).
public struct AgentChoice: Sendable, Equatable {
    public var agent: String?
    public var model: String?

    public init(agent: String? = nil, model: String? = nil) {
        self.agent = agent
        self.model = model
    }

    public var isEmpty: Bool { agent == nil && model == nil }

    /// The agent and model a run gets from its sources, strongest first.
    ///
    /// The agent is the first one named. The model is the first one named by
    /// a source that does not name another agent: a card that asks for
    /// `codex` with `gpt-5.5` must not pass `gpt-5.5` to Claude when the
    /// dispatch says `--agent claude`.
    public static func resolve(_ sources: [AgentChoice], defaultAgent: String) -> (agent: String, model: String?) {
        let agent = sources.lazy.compactMap(\.agent).first ?? defaultAgent
        let model = sources.lazy.filter { $0.agent == nil || $0.agent == agent }.compactMap(\.model).first
        return (agent, model)
    }
}
