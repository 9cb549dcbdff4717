import Foundation
import KanbotsAutopilot
import KanbotsCore
import KanbotsReview
import KanbotsStore
import KanbotsSupervisor

/// The board as every front end shows it: the reconciled projection of the
/// runs (a run whose supervisor died is recorded failed on the spot) and the
/// autopilot sessions. `board --json` and the web board print the same value.
public struct BoardQuery {
    public let repository: KanbotsRepository

    public init(_ repository: KanbotsRepository) { self.repository = repository }

    public struct Result {
        public var snapshot: BoardLoader.Snapshot
        public var sessions: [SessionSummary]
        /// Review's verdicts for runs In progress or In review (docs/review.md).
        public var readiness: [RunID: Readiness]

        public var board: Board { snapshot.board }

        /// The `board --json` document (docs/json.md).
        public var json: BoardJSON {
            var board = BoardJSON(snapshot)
            board.decorate(with: readiness)
            board.sessions = sessions.map(SessionJSON.init)
            return board
        }
    }

    public func load() throws -> Result {
        let snapshot = try Reconciler(repository).reconciledSnapshot()
        let sessions = try SessionSummary.all(board: snapshot.board, store: SessionStore(repository))
        return Result(snapshot: snapshot, sessions: sessions,
                      readiness: BoardReadiness.of(snapshot.board, in: repository))
    }
}
