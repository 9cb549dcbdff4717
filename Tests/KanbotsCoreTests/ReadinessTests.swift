import Foundation
import Testing
@testable import KanbotsCore

@Suite struct ReadinessTests {
    private func file(_ path: String, _ status: String = "modified", added: Int = 1, removed: Int = 1) -> ChangedFile {
        ChangedFile(path: path, status: status, linesAdded: added, linesRemoved: removed)
    }

    private func readiness(_ run: String = "1-aaaa", files: [ChangedFile] = [ChangedFile(path: "Sources/a.swift", status: "modified", linesAdded: 1, linesRemoved: 0)],
                           behind: Int = 0, baseConflicts: [String] = [], conflicts: [RunConflict] = [],
                           outOfScope: [String] = [], checks: ChecksOutcome? = nil) -> Readiness {
        Readiness(run: run, card: 1, tip: "t", baseTip: "b", mergeBase: "m", files: files, behind: behind,
                  baseConflicts: baseConflicts, conflicts: conflicts, outOfScope: outOfScope, checks: checks,
                  agentTested: nil, rules: RiskRules())
    }

    @Test func theFirstMatchingVerdictWins() {
        let conflict = [RunConflict(run: "2-bbbb", card: 7, paths: ["a"])]
        #expect(Verdict.derive(checks: .failed, outOfScope: ["x"], conflictsWithBase: true, conflictingRuns: 1, behind: 3) == .checksFailed)
        #expect(Verdict.derive(checks: .timedOut, outOfScope: [], conflictsWithBase: false, conflictingRuns: 0, behind: 0) == .checksFailed)
        #expect(Verdict.derive(checks: .passed, outOfScope: ["x"], conflictsWithBase: true, conflictingRuns: 1, behind: 3) == .outOfScope)
        #expect(Verdict.derive(checks: nil, outOfScope: [], conflictsWithBase: true, conflictingRuns: 1, behind: 3) == .conflictsWithBase)
        #expect(Verdict.derive(checks: .passed, outOfScope: [], conflictsWithBase: false, conflictingRuns: 1, behind: 3) == .conflicts)
        #expect(Verdict.derive(checks: nil, outOfScope: [], conflictsWithBase: false, conflictingRuns: 0, behind: 3) == .behind)
        #expect(Verdict.derive(checks: .passed, outOfScope: [], conflictsWithBase: false, conflictingRuns: 0, behind: 0) == .ready)
        #expect(readiness(conflicts: conflict).shortLabel == "conflicts #7")
        let twoCards = conflict + [RunConflict(run: "3-cccc", card: 7, paths: ["a"]), RunConflict(run: "4-dddd", card: 2, paths: ["a"])]
        #expect(readiness(conflicts: twoCards).shortLabel == "conflicts #2, #7 (3 runs)")
        #expect(readiness(behind: 3).shortLabel == "behind 3")
        #expect(readiness(checks: .failed).shortLabel == "checks ✗")
        #expect(readiness().shortLabel == "ready")
        #expect(readiness(baseConflicts: ["a"]).reasons.first?.contains("reply 1-aaaa") == true)
    }

    @Test func riskIsHighForRiskyGlobsDeletionsAndSizeAndLowForTestsOrDocs() {
        let rules = RiskRules()
        #expect(rules.assess([file("db/migrations/001_init.sql", "added")]).level == .high)
        #expect(rules.assess([file("db/migrations/001_init.sql", "added")]).group == .risky)
        #expect(rules.assess([file("Package.resolved")]).level == .high)
        #expect(rules.assess([file(".github/workflows/ci.yml")]).level == .high)
        #expect(rules.assess([file("Sources/a.swift", "deleted")]).reasons == ["deletes Sources/a.swift"])
        #expect(rules.assess([file("Sources/a.swift", added: 600, removed: 0)]).level == .high)
        #expect(rules.assess([file("Tests/FooTests/FooTests.swift")]) == (.low, [], .tests))
        #expect(rules.assess([file("docs/review.md"), file("README.md")]) == (.low, [], .docs))
        #expect(rules.assess([file("Sources/a.swift"), file("Tests/a.swift")]) == (.medium, [], .code))
        // The user's globs replace the defaults.
        let custom = RiskRules(risky: ["Sources/Billing/**"])
        #expect(custom.assess([file("Sources/Billing/Invoice.swift")]).level == .high)
        #expect(custom.assess([file("db/migrations/001.sql")]).level == .medium)
    }

    @Test func theQueueTakesReadyFirstThenGroupsThenLowRiskThenAge() {
        let old = Date(timeIntervalSince1970: 1000), new = Date(timeIntervalSince1970: 2000)
        let readyCode = readiness("1-a")
        let readyTests = readiness("2-a", files: [file("Tests/x.swift")])
        let readyRisky = readiness("3-a", files: [file("schema.sql")])
        let behind = readiness("4-a", files: [file("Tests/y.swift")], behind: 2)
        let failed = readiness("5-a", checks: .failed)
        let entries = [failed, behind, readyRisky, readyCode, readyTests]
        let sorted = entries.sorted { Readiness.queueOrder($0, $1, lhsCreated: old, rhsCreated: old) }
        #expect(sorted.map(\.run) == ["2-a", "1-a", "3-a", "4-a", "5-a"])
        let twins = [readiness("7-a"), readiness("6-a")]
        let byAge = twins.sorted { Readiness.queueOrder($0, $1, lhsCreated: $0.run == "7-a" ? old : new,
                                                         rhsCreated: $1.run == "7-a" ? old : new) }
        #expect(byAge.map(\.run) == ["7-a", "6-a"])
    }

    @Test func writesOutsideTheScopeComeBeforeConflicts() {
        #expect(readiness(outOfScope: ["Sources/UI/c.swift"], checks: .passed).verdict == .outOfScope)
    }
}
