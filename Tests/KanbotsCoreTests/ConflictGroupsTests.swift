import Foundation
import Testing
@testable import KanbotsCore

/// Conflict groups (told once per group, not per pair), the short labels
/// that name each other card once, and whom a run waits for in a plan.
@Suite struct ConflictGroupsTests {
    private func run(_ id: String, card: Int, files: [String] = ["a.txt"], conflicts: [(String, Int)] = [],
                     paths: [String] = ["a.txt"]) -> Readiness {
        Readiness(run: id, card: card, tip: "t-\(id)", baseTip: "b", mergeBase: "m",
                  files: files.map { ChangedFile(path: $0, status: "modified", linesAdded: 1, linesRemoved: 1) },
                  behind: 0, baseConflicts: [], conflicts: conflicts.map { RunConflict(run: $0.0, card: $0.1, paths: paths) },
                  outOfScope: [], checks: nil, agentTested: nil, rules: RiskRules())
    }

    /// Every run of `cards` conflicting with every run of another card.
    private func everyoneConflicts(_ runs: [(String, Int)]) -> [Readiness] {
        runs.map { id, card in run(id, card: card, conflicts: runs.filter { $0.1 != card }) }
    }

    @Test func runsThatAllConflictShareOneGroupSoTheTableIsLinear() {
        for count in [10, 100] {
            var all = everyoneConflicts((1...count).map { ("\($0)-x", $0) })
            ConflictGroups.assign(&all)
            let table = ConflictGroups.table(all)
            #expect(table.count == 1)
            #expect(table.first?.members.count == count && table.first?.paths == ["a.txt"])
            #expect(all.allSatisfy { $0.conflictGroup?.id == "g1" })
            // The group says exactly whom each run conflicts with.
            #expect(table[0].conflicts(of: 1).map(\.run) == all[0].conflicts.map(\.run).sorted())
        }
    }

    @Test func attemptsOfOneCardShareTheGroupOfTheRunsTheyAllConflictWith() {
        // Three attempts of card 1 and one run of card 2, all on the same lines.
        var all = everyoneConflicts([("1-a", 1), ("2-a", 1), ("3-a", 1), ("4-a", 2)])
        ConflictGroups.assign(&all)
        #expect(ConflictGroups.table(all).count == 1)
        #expect(all[0].conflicts.map(\.run) == ["4-a"], "attempts are not conflicts of each other")
        #expect(all[0].shortLabel == "conflicts #2")
        #expect(all[3].shortLabel == "conflicts #1 (3 runs)")
        #expect(all[3].reasons == ["conflicts with runs 1-a, 2-a, 3-a (card #1) in a.txt"])
        #expect(ConflictGroups.table(all)[0].conflicts(of: 1).map(\.run) == ["4-a"])
    }

    @Test func separateConflictsGetSeparateGroupsAndRunsWithoutConflictsNone() {
        // 1 and 2 collide on line 10, 3 and 4 on line 90 of the same file; 5 collides with nobody.
        var all = [run("1-a", card: 1, conflicts: [("2-a", 2)]), run("2-a", card: 2, conflicts: [("1-a", 1)]),
                   run("3-a", card: 3, conflicts: [("4-a", 4)]), run("4-a", card: 4, conflicts: [("3-a", 3)]),
                   run("5-a", card: 5)]
        ConflictGroups.assign(&all)
        let table = ConflictGroups.table(all)
        #expect(table.map { $0.members.map(\.run) } == [["1-a", "2-a"], ["3-a", "4-a"]])
        #expect(all.map { $0.conflictGroup?.id } == ["g1", "g1", "g2", "g2", nil])
    }

    @Test func labelsNameEachCardOnceAndAtMostThree() {
        let many = run("9-a", card: 9, conflicts: [("1-a", 1), ("2-a", 1), ("3-a", 2), ("4-a", 3), ("5-a", 4), ("6-a", 5)])
        #expect(many.shortLabel == "conflicts #1, #2, #3 and 2 more (6 runs)")
        let reasons = many.reasons
        #expect(reasons.count == 4, "\(reasons)")
        #expect(reasons.last == "conflicts with 2 more runs of 2 more cards")
        #expect(run("9-a", card: 9, conflicts: [("3-a", 2)]).shortLabel == "conflicts #2")
    }

    @Test func aRunWaitsForExactlyTheRunsItConflictsWith() {
        // Runs 1 and 2 change line 10 of a.txt, run 3 line 90: run 2 waits for run 1 only.
        let one = run("1-a", card: 1, conflicts: [("2-a", 2)])
        let two = run("2-a", card: 2, conflicts: [("1-a", 1)])
        let three = run("3-a", card: 3)
        #expect(two.blockers(among: [three, one], conflictedPaths: ["a.txt"]) == ["1-a"])
        // A conflict only the combination makes: the runs that changed the path.
        let alone = run("4-a", card: 4)
        #expect(alone.blockers(among: [three, run("5-a", card: 5, files: ["b.txt"])], conflictedPaths: ["a.txt"]) == ["3-a"])
    }
}
