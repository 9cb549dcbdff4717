import KanbotsCore
import KanbotsStore

/// Review's verdicts for the board (`board`, `status`): only runs In
/// progress or In review get one, mostly from the cache. A failure here
/// never costs the board: it shows without verdicts.
public enum BoardReadiness {
    /// `git config kanbots.review.board false` leaves verdicts off the board.
    public static let enabledKey = "kanbots.review.board"

    public static func of(_ board: Board, in repository: KanbotsRepository) -> [RunID: Readiness] {
        if Settings(repository).string(enabledKey)?.lowercased() == "false" { return [:] }
        guard board.runs.contains(where: ReadinessEvaluator.isActive) else { return [:] }
        return (try? ReadinessEvaluator(repository).evaluate(board)) ?? [:]
    }
}
