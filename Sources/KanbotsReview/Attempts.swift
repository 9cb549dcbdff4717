import Foundation
import KanbotsCore
import KanbotsStore

/// Runs of one card are attempts: alternatives, of which one lands
/// (docs/review.md, "Attempts"). Readiness never pairs them as conflicts.
public struct Attempts {
    let repository: KanbotsRepository

    public init(_ repository: KanbotsRepository) { self.repository = repository }

    /// Records every other finished attempt of `landed`'s card `superseded`
    /// (kept: branch, worktree and history stay until `discard` or `gc`).
    /// Runs on `landed`'s own branch are the replies it continued, not
    /// attempts; active attempts are left alone to finish or be stopped.
    public func supersede(othersThan landed: RunRecord) throws -> [RunID] {
        let store = RunStore(repository)
        var superseded: [RunID] = []
        for record in try RunIndex(repository).records().records
        where record.card == landed.card && record.id != landed.id && record.branch != landed.branch
            && record.isSupersedable {
            let updated = try store.update(record.id) { current in
                // It may have changed since it was listed (a reply, a discard).
                guard current.isSupersedable else { return false }
                current.state = .superseded
                current.reason = nil
                current.setExtra(RunRecord.AttemptKey.supersededBy, landed.id.description)
                return true
            }
            if updated.state == .superseded { superseded.append(record.id) }
        }
        return superseded.sorted()
    }

    /// The attempts of each card still in play: the latest run of each
    /// branch (a reply continues its run's branch: that run is history),
    /// leaving out the ones dropped, superseded or landed.
    public static func current(_ board: Board) -> [Int: [RunView]] {
        var latestByBranch: [String: RunView] = [:]
        for view in board.runs { latestByBranch[view.record.branch] = view }  // oldest first: the last wins
        let open = latestByBranch.values.filter {
            $0.record.state != .discarded && $0.record.state != .superseded && $0.record.state != .merged
                && $0.column != .done
        }
        return Dictionary(grouping: open, by: \.record.card)
            .mapValues { runs in
                runs.sorted { $0.record.createdAt != $1.record.createdAt ? $0.record.createdAt < $1.record.createdAt
                    : $0.record.id < $1.record.id }
            }
    }

    /// "3 attempts: 2 ready, 1 failed": the verdicts of those In review,
    /// the states of the others, most common first.
    public static func summary(_ attempts: [RunView], readiness: [RunID: Readiness]) -> String {
        var counts: [String: Int] = [:]
        var order: [String] = []
        for view in attempts {
            let what = view.column == .inReview ? readiness[view.record.id]?.verdict.rawValue ?? "no commits" : view.displayState
            if counts[what] == nil { order.append(what) }
            counts[what, default: 0] += 1
        }
        let parts = order.enumerated().sorted { (counts[$0.element]!, -$0.offset) > (counts[$1.element]!, -$1.offset) }
            .map { "\(counts[$0.element]!) \($0.element)" }
        return "\(attempts.count) attempt\(attempts.count == 1 ? "" : "s"): " + parts.joined(separator: ", ")
    }
}
