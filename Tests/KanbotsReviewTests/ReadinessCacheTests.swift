import Foundation
import KanbotsCore
import KanbotsReview
import KanbotsStore
import Testing

/// A warm evaluation takes each run's conflicts and conflict group from the
/// graph cache instead of merging and grouping: it must say exactly what a
/// cold one says, and a cache made for other runs must not answer.
@Suite struct ReadinessCacheTests {
    @Test func aWarmEvaluationGivesTheSameReadinessAsAColdOne() throws {
        let scratch = try ReviewScratch()
        // Two piles on one file (line 5: three cards, one with two attempts;
        // line 12: two cards) and a run alone on line 18.
        for (card, line) in [(1, 5), (2, 5), (7, 5), (7, 5), (3, 12), (4, 12), (5, 18)] {
            try scratch.completedRun(card: card, line: line, text: "card \(card)'s line \(line), \(UUID().uuidString)")
        }
        let cache = scratch.repository.stateDirectory + "/cache"
        try? FileManager.default.removeItem(atPath: cache)
        let (_, cold) = try scratch.readiness()
        #expect(FileManager.default.fileExists(atPath: cache + "/review-graph-v1"))
        let (_, warm) = try scratch.readiness()
        #expect(warm == cold)
        // Two groups, numbered by their first run's id; attempts of card 7 never pair.
        let groups = ConflictGroups.table(cold.values)
        #expect(groups.map(\.id) == ["g1", "g2"])
        #expect(groups.map { $0.members.count }.sorted() == [2, 4])
        for readiness in cold.values where readiness.card == 7 {
            #expect(readiness.conflicts.map(\.card).sorted() == [1, 2])
        }

        // Another run joins the first pile: the graph no longer fits, and the pairs are merged again.
        let late = try scratch.completedRun(card: 6, line: 5, text: "card 6's line 5")
        let (_, after) = try scratch.readiness()
        try? FileManager.default.removeItem(atPath: cache)
        let (_, fresh) = try scratch.readiness()
        #expect(after == fresh)
        #expect(after[late.id]?.conflicts.count == 4)
    }
}
