import KanbotsCore

/// The variables every process of a run sees: its setup, its agent, its
/// services and its checks (docs/environment.md, "Ports").
public struct RunVariables: Sendable {
    public var values: [String: String]

    /// Set on a run's setup and services, so that the ones a killed
    /// supervisor left behind can be found and ended (`Reconciler`), as
    /// `KANBOTS_CHECK_RUN` does for checks. The agent does not carry it:
    /// an agent that outlives its supervisor is adopted, not ended.
    public static let environmentMarker = "KANBOTS_ENVIRONMENT_OF"

    public init(record: RunRecord, worktree: String) {
        values = [
            "KANBOTS_RUN": record.id.description,
            "KANBOTS_CARD": String(record.card),
            "KANBOTS_WORKTREE": worktree,
        ]
        if let ports = record.ports.flatMap(PortBlock.init) {
            values["KANBOTS_PORT"] = String(ports.first)
            values["KANBOTS_PORTS"] = String(ports.count)
            // Most frameworks (Rails, Express, Flask's CLI, Next.js) read PORT.
            values["PORT"] = String(ports.first)
        }
    }

    /// The values plus the marker that ties a setup or service process to its run.
    public func marked(for id: RunID) -> [String: String] {
        values.merging([Self.environmentMarker: id.description]) { _, marker in marker }
    }
}
