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
        let tips = subjects.map(\.tip.hex), ids = subjects.map { $0.view.record.id.description }
        let cardOf = subjects.map(\.view.record.card), changed = subjects.map(\.paths)
        let graphCache = ConflictGraphCache(stateDirectory: repository.stateDirectory)
        let key = subjects.indices.map {
            ConflictGraphCache.Subject(tip: tips[$0], baseTip: subjects[$0].baseTip.hex, card: cardOf[$0])
        }
        let cached = subjects.isEmpty ? nil : graphCache.graph(for: key)?.conflicts(cards: cardOf, changed: changed)
        let pairs: ConflictGraphCache.Conflicts
        if let cached { pairs = cached } else { pairs = try pairConflicts(subjects, tips: tips, cards: cardOf, cache: &cache) }
        let conflicts = pairs.map { list in list.map { RunConflict(run: ids[$0.other], card: cardOf[$0.other], paths: $0.paths) } }
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
                baseConflicts: subject.facts.baseConflicts, conflicts: conflicts[index], outOfScope: outOfScope,
                checks: checks, failedOnMerge: record.mergeChecksFailure(tip: subject.tip.hex, baseTip: subject.baseTip.hex),
                agentTested: record.agentTested, rules: rules)))
        }
        var all = evaluated.map(\.1)
        ConflictGroups.assign(&all, partners: pairs.map { $0.map(\.other) })
        if cached == nil, !subjects.isEmpty {
            graphCache.save(ConflictGraphCache.Graph(pairs, readiness: all, changed: changed), for: key)
        }
        return Dictionary(zip(evaluated.map(\.0), all), uniquingKeysWith: { first, _ in first })
    }

    /// Merges, in memory, every two runs of different cards that change a
    /// path in common (or takes the result from the pair cache): each run's
    /// conflicts, by index, in index order.
    private func pairConflicts(_ subjects: [Subject], tips: [String], cards: [Int],
                               cache: inout ReadinessCache) throws -> ConflictGraphCache.Conflicts {
        let git = repository.git
        var conflicts = ConflictGraphCache.Conflicts(repeating: [], count: subjects.count)
        for one in subjects.indices {
            for other in subjects.indices.dropFirst(one + 1) {
                // Attempts of one card are alternatives: only one of them lands.
                guard cards[one] != cards[other], tips[one] != tips[other] else { continue }
                // Only runs that change a path in common can conflict.
                guard !subjects[one].paths.isDisjoint(with: subjects[other].paths) else { continue }
                let paths = try cache.pairConflicts(tips[one], tips[other]) {
                    let shared = subjects[one].paths.intersection(subjects[other].paths)
                    return try git.mergeCommits(subjects[one].tip, subjects[other].tip).conflictedPaths
                        .filter { shared.contains($0) }
                }
                guard !paths.isEmpty else { continue }
                conflicts[one].append((other, paths))
                conflicts[other].append((one, paths))
            }
        }
        return conflicts
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
