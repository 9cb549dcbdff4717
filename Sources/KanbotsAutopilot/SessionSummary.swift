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

    /// - Parameter fullBoard: the board with every run in full, asked for
    ///   only when there are sessions and `board` summarised settled runs
    ///   (a session's tally counts all of its runs).
    public static func all(
        board: Board, store: SessionStore, fullBoard: (() throws -> Board)? = nil
    ) throws -> [SessionSummary] {
        let sessions = try store.all()
        guard !sessions.isEmpty else { return [] }
        let tallied = try board.settled.isEmpty ? board : fullBoard?() ?? board
        return sessions.map { SessionSummary(session: $0, board: tallied, store: store) }
    }
}

/// Personas a session may use: built in, shared in git (`git kanbots
/// persona set`), or the clone's own (`git config kanbots.persona.<name>`).
public enum Personas {
    public static func validate(_ names: [String], repository: KanbotsRepository) throws {
        let store = PersonaStore(repository)
        for name in names where !store.exists(name) {
            throw KanbotsError.invalidArgument(
                "unknown persona '\(name)'; known: \(store.names().joined(separator: ", ")); add one with `git kanbots persona set \(name) --text \"You are ...\"`")
        }
    }
}
