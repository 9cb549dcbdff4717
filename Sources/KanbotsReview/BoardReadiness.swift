import KanbotsCore
import KanbotsStore

/// Review's verdicts for the board (`board`, `status`): only runs In
/// progress or In review get one, mostly from the cache. A failure here
/// never costs the board: it shows without verdicts.
public enum BoardReadiness {
    public static func of(_ board: Board, in repository: KanbotsRepository) -> [RunID: Readiness] {
        guard board.runs.contains(where: ReadinessEvaluator.isActive) else { return [:] }
        return (try? ReadinessEvaluator(repository).evaluate(board)) ?? [:]
    }
}
