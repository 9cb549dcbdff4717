import Foundation
import KanbotsCore
import KanbotsGit
import KanbotsStore

/// Computes the readiness of every active run from git alone: its change,
/// how it stands against its base's tip, and conflicts with every other
/// active run, by in-memory merges (no worktree, index or ref is touched).
public struct ReadinessEvaluator {
    let repository: KanbotsRepository
    let rules: RiskRules

    public init(_ repository: KanbotsRepository) {
        self.repository = repository
        rules = ReviewSettings(repository).riskRules
    }

    /// Runs whose readiness means something: In review or In progress, with
    /// a branch here (a run of another clone has its branch there).
    public static func isActive(_ view: RunView) -> Bool {
        (view.column == .inReview || view.column == .inProgress) && view.observation.branchTip != nil
            && !view.observation.fromOtherClone && view.record.state != .merged
    }

    private struct Subject {
        var view: RunView
        var tip: ObjectID
        var baseTip: ObjectID
        var facts: ReadinessCache.BaseFacts
        var paths: Set<String>
    }

    /// Readiness of every active run with commits of its own, by run id.
    public func evaluate(_ board: Board) throws -> [RunID: Readiness] {
        var cache = ReadinessCache(stateDirectory: repository.stateDirectory)
        defer { cache.save() }
        let git = repository.git
        var baseTips: [String: ObjectID?] = [:]
        var subjects: [Subject] = []
        for view in board.runs where Self.isActive(view) {
            guard let tipHex = view.observation.branchTip, let tip = ObjectID(hex: tipHex) else { continue }
            if baseTips[view.record.base] == nil { baseTips[view.record.base] = try git.resolveCommit(view.record.base) }
            guard let baseTip = baseTips[view.record.base] ?? nil else { continue }
            let facts = try cache.baseFacts(tip: tip.hex, baseTip: baseTip.hex) {
                try Self.baseFacts(tip: tip, baseTip: baseTip, in: git)
            }
            guard !facts.files.isEmpty || tip.hex != facts.mergeBase else { continue }
            subjects.append(Subject(view: view, tip: tip, baseTip: baseTip, facts: facts,
                                    paths: Set(facts.files.map(\.path))))
        }
        var conflicts: [Int: [RunConflict]] = [:]
        for one in subjects.indices {
            for other in subjects.indices where other > one {
                let (a, b) = (subjects[one], subjects[other])
                // Attempts of one card are alternatives: only one of them lands.
                guard a.view.record.card != b.view.record.card else { continue }
                // Only runs that change a path in common can conflict.
                guard a.tip != b.tip, !a.paths.isDisjoint(with: b.paths) else { continue }
                let shared = a.paths.intersection(b.paths)
                let paths = try cache.pairConflicts(a.tip.hex, b.tip.hex) {
                    try git.mergeCommits(a.tip, b.tip).conflictedPaths.filter { shared.contains($0) }
                }
                guard !paths.isEmpty else { continue }
                conflicts[one, default: []].append(RunConflict(run: b.view.record.id.description, card: b.view.record.card, paths: paths))
                conflicts[other, default: []].append(RunConflict(run: a.view.record.id.description, card: a.view.record.card, paths: paths))
            }
        }
        let cards = Dictionary(board.cards.compactMap { $0.card.map { ($0.number, $0) } }, uniquingKeysWith: { a, _ in a })
        var evaluated: [(RunID, Readiness)] = []
        for (index, subject) in subjects.enumerated() {
            let record = subject.view.record
            let changed = subject.facts.files.map(\.path)
            var outOfScope = Scope.violations(of: cards[record.card]?.scope ?? [], in: changed)
            for path in record.scopeViolations where !outOfScope.contains(path) { outOfScope.append(path) }
            let checks = record.checks.flatMap { $0.commit == nil || $0.commit == subject.tip.hex ? $0.outcome : nil }
            evaluated.append((record.id, Readiness(
                run: record.id.description, card: record.card, tip: subject.tip.hex, baseTip: subject.baseTip.hex,
                mergeBase: subject.facts.mergeBase, files: subject.facts.files, behind: subject.facts.behind,
                baseConflicts: subject.facts.baseConflicts, conflicts: conflicts[index] ?? [], outOfScope: outOfScope,
                checks: checks, agentTested: record.agentTested, rules: rules)))
        }
        var all = evaluated.map(\.1)
        ConflictGroups.assign(&all)
        return Dictionary(zip(evaluated.map(\.0), all), uniquingKeysWith: { first, _ in first })
    }

    static func baseFacts(tip: ObjectID, baseTip: ObjectID, in git: Repository) throws -> ReadinessCache.BaseFacts {
        let mergeBase = try git.mergeBase(tip, baseTip) ?? baseTip
        let behind = try git.aheadBehind(tip, baseTip).behind
        let files = try git.diffSummary(from: mergeBase, to: tip).map {
            ChangedFile(path: $0.path, status: $0.status.rawValue, linesAdded: $0.linesAdded, linesRemoved: $0.linesRemoved)
        }
        let baseConflicts = behind == 0 ? [] : try git.mergeCommits(baseTip, tip).conflictedPaths
        return .init(mergeBase: mergeBase.hex, behind: behind, files: files, baseConflicts: baseConflicts)
    }
}
