import Foundation
import KanbotsCore
import KanbotsRuns
import KanbotsStore

/// Runs of one card are attempts: alternatives, of which one lands
/// (docs/review.md, "Attempts"). Readiness never pairs them as conflicts.
public struct Attempts {
    let repository: KanbotsRepository

    public init(_ repository: KanbotsRepository) { self.repository = repository }

    /// What landing an attempt did to the other attempts of its card.
    public struct Settled: Sendable, Equatable {
        /// Attempts still running, stopped as `git kanbots stop` stops a run.
        public var stopped: [RunID] = []
        /// Every other attempt, now recorded `superseded` (the stopped ones included).
        public var superseded: [RunID] = []
    }

    /// Stops the other attempts of `landed`'s card that are still running,
    /// then supersedes them all. Its card is done: a running attempt could
    /// only spend more, and, left to finish, it would come back In review
    /// and the merge queue would try to land (or rebase) the same change again.
    /// A stop that fails leaves that attempt running; the landing stands.
    public func settle(othersThan landed: RunRecord) throws -> Settled {
        var settled = Settled()
        let stopper = Stopper(repository: repository)
        // Only this clone's runs: another clone's pids mean nothing here, and
        // that clone stops its own attempts when it lands or syncs.
        let clone = BoardLoader(repository).cloneTag
        for record in try RunIndex(repository).records().records
        where record.card == landed.card && record.id != landed.id && record.branch != landed.branch
            && record.state.isActive && record.id.clone == clone {
            if let ended = try? stopper.stop(record, timeout: Stopper.defaultTimeout), ended.state.isFinished {
                settled.stopped.append(record.id)
            }
        }
        settled.superseded = try supersede(othersThan: landed)
        settled.stopped.sort()
        return settled
    }

    /// Records every other finished attempt of `landed`'s card `superseded`
    /// (kept: branch, worktree and history stay until `discard` or `gc`).
    /// Runs on `landed`'s own branch are the replies it continued, not
    /// attempts; active ones are left alone (`settle` stops them first).
    public func supersede(othersThan landed: RunRecord) throws -> [RunID] {
        let store = RunStore(repository)
        var superseded: [RunID] = []
        for record in try RunIndex(repository).records().records
        where record.card == landed.card && record.id != landed.id && record.branch != landed.branch
            && record.isSupersedable {
            let updated = try store.update(record.id) { $0.supersede(by: landed.id.description) }
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
