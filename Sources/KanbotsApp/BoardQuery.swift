import Foundation
import KanbotsAutopilot
import KanbotsCore
import KanbotsReview
import KanbotsRuns
import KanbotsStore

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
        let repository: KanbotsRepository

        /// Settled runs (finished, branch gone) are in `board.settled` as
        /// summaries, not in `board.runs`; `board.allRuns` lists both.
        public var board: Board { snapshot.board }

        /// The `board --json` document (docs/json.md), with review's verdicts.
        /// Settled runs' JSON comes from the run snapshot; what had to be
        /// rendered is kept for next time when the caller saves the snapshot
        /// (`snapshot.saveCache()`).
        public func json() throws -> BoardJSON {
            let renderer = RunJSONRenderer(repository, snapshot: snapshot)
            var board = BoardJSON(snapshot, runs: try renderer.entries(snapshot.board.allRuns, readiness: readiness))
            board.sessions = sessions.map(SessionJSON.init)
            board.conflictGroups = ConflictGroups.table(readiness.values).map(ConflictGroupJSON.init)
            return board
        }
    }

    /// Settled runs come as summaries unless the cache is bypassed
    /// (`KANBOTS_NO_CACHE`); what is printed is the same either way.
    public func load() throws -> Result {
        let snapshot = try Reconciler(repository).reconciledSnapshot(summarizingSettled: !RunSnapshot.isBypassed)
        // A session's tally counts all its runs: only then is every run read in full.
        let sessions = try SessionSummary.all(board: snapshot.board, store: SessionStore(repository)) {
            try BoardLoader(repository).load().board
        }
        return Result(snapshot: snapshot, sessions: sessions,
                      readiness: BoardReadiness.of(snapshot.board, in: repository), repository: repository)
    }
}

extension BoardQuery {
    /// The reconciled board without review's verdicts: `status` and
    /// `autopilot status` (a run whose supervisor died is recorded on the spot).
    public func reconciledSnapshot(summarizingSettled: Bool = false) throws -> BoardLoader.Snapshot {
        try Reconciler(repository).reconciledSnapshot(summarizingSettled: summarizingSettled)
    }

    /// `git kanbots reconcile`: records the runs whose supervisor is gone,
    /// and gives a new supervisor to those whose agent outlived it.
    public func reconcile() throws -> [Reconciler.Outcome] {
        try Reconciler(repository).reconcile(adoptingOrphans: true)
    }
}
