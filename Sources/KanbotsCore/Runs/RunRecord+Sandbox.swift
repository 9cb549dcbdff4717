/// How a run's agent was confined, and what the confinement refused it
/// (docs/agents.md, "Confinement"; docs/state-format.md).
extension RunRecord {
    static let sandboxKey = "Sandbox"
    static let sandboxDeniedKey = "Sandbox-Denied"
    /// At most this many denied paths are recorded; an agent that loops on
    /// one would otherwise grow the record without bound.
    public static let recordedDenialsLimit = 20

    /// `bwrap` when the agent ran inside bubblewrap; nil when unconfined.
    public var sandbox: String? {
        get { extraValue(Self.sandboxKey) }
        set { setExtra(Self.sandboxKey, newValue) }
    }

    /// Paths the agent tried to write and the sandbox refused, in the order seen.
    public var sandboxDenials: [String] {
        extra.filter { $0.key == Self.sandboxDeniedKey }.map(\.value)
    }

    public mutating func addSandboxDenial(_ path: String) {
        guard !sandboxDenials.contains(path), sandboxDenials.count < Self.recordedDenialsLimit else { return }
        extra.append(Field(key: Self.sandboxDeniedKey, value: path))
    }
}
