import Foundation
import KanbotsCore
import KanbotsGit
import KanbotsReview
import KanbotsStore

/// `promote --merge`: the forge-less way to finish a run, landed locally by
/// the same rules as `git kanbots land` (MergeRules in KanbotsReview).
extension Promotion {
    public func merge(into requested: String?) throws -> MergeRules.Merge {
        try Lander.withLandingLock(repository) {
            let rules = MergeRules(repository)
            let target = try rules.target(for: record, into: requested)
            try rules.checkTarget(target)
            let merge = try rules.prepare(record, tip: branchTip, into: target, cardTitle: card?.title)
            try rules.publish(merge, run: record)
            return merge
        }
    }
}
