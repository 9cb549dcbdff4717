import Foundation
import KanbotsCore
import KanbotsStore

/// A session as `autopilot status` and `board` show it: its record, whether
/// its orchestrator lives, its runs' figures, and what the orchestrator last said.
public struct SessionSummary: Sendable {
    public var session: AutopilotSession
    public var liveness: Liveness
    public var tally: SessionTally
    public var status: OrchestratorStatus?

    /// `running`, `draining`, `stopped`, or `lost` when the record says the
    /// session is active but its orchestrator is gone.
    public var displayState: String {
        session.state.isActive && liveness == .gone ? "lost" : session.state.rawValue
    }

    public var isLost: Bool { displayState == "lost" }

    public init(session: AutopilotSession, board: Board, store: SessionStore) {
        self.session = session
        liveness = store.liveness(of: session)
        tally = SessionTally(session: session.id, board: board)
        status = liveness == .alive ? store.readStatus(session.id) : nil
    }

    public static func all(board: Board, store: SessionStore) throws -> [SessionSummary] {
        try store.all().map { SessionSummary(session: $0, board: board, store: store) }
    }
}

/// Personas a session may use: the built-in ones and the user's
/// (`git config kanbots.persona.<name>`).
public enum Personas {
    public static func validate(_ names: [String], settings: Settings) throws {
        for name in names where Prompt.builtInPersonas[name] == nil && settings.string("kanbots.persona.\(name)") == nil {
            let known = Prompt.builtInPersonas.keys.sorted().joined(separator: ", ")
            throw KanbotsError.invalidArgument(
                "unknown persona '\(name)'; built in: \(known); add your own with `git config kanbots.persona.\(name) \"You are ...\"`")
        }
    }
}
