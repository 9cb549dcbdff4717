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
        // Warm, the graph gives each run's conflicts and group at once; else
        // the pairs are merged (or read from the pair cache) and grouped.
        let conflicts: [[RunConflict]]
        var groups: [ConflictGroup?]?
        var computed: ConflictGraphCache.Conflicts?
        let graph = subjects.isEmpty ? nil : graphCache.graph(for: key)
        if let graph, let found = graph.conflicts(cards: cardOf, changed: changed, {
            RunConflict(run: ids[$0], card: cardOf[$0], paths: $1)
        }), let assigned = graph.conflictGroups(runs: ids, cards: cardOf) {
            conflicts = found
            groups = assigned
        } else {
            let pairs = try pairConflicts(subjects, tips: tips, cards: cardOf, cache: &cache)
            conflicts = pairs.map { list in list.map { RunConflict(run: ids[$0.other], card: cardOf[$0.other], paths: $0.paths) } }
            computed = pairs
        }
        let cards = Dictionary(board.cards.compactMap { $0.card.map { ($0.number, $0) } }, uniquingKeysWith: { a, _ in a })
        var all: [Readiness] = []
        all.reserveCapacity(subjects.count)
        // Runs that pile up on one file change the same files: their risk is
        // assessed once. The last one is kept, not a table: a table keyed by
        // files costs a warm board more, in its type's first use, than it saves.
        var assessed: (files: [ChangedFile], assessment: RiskRules.Assessment)?
        for (index, subject) in subjects.enumerated() {
            let record = subject.view.record
            let changed = subject.facts.files.map(\.path)
            var outOfScope = Scope.violations(of: cards[record.card]?.scope ?? [], in: changed)
            for path in record.scopeViolations where !outOfScope.contains(path) { outOfScope.append(path) }
            let checks = record.checks.flatMap { $0.commit == nil || $0.commit == subject.tip.hex ? $0.outcome : nil }
            let assessment: RiskRules.Assessment
            if let assessed, assessed.files == subject.facts.files {
                assessment = assessed.assessment
            } else {
                assessment = rules.assess(subject.facts.files)
                assessed = (subject.facts.files, assessment)
            }
            all.append(Readiness(
                run: record.id.description, card: record.card, tip: subject.tip.hex, baseTip: subject.baseTip.hex,
                mergeBase: subject.facts.mergeBase, files: subject.facts.files, behind: subject.facts.behind,
                baseConflicts: subject.facts.baseConflicts, conflicts: conflicts[index], outOfScope: outOfScope,
                checks: checks, failedOnMerge: record.mergeChecksFailure(tip: subject.tip.hex, baseTip: subject.baseTip.hex),
                agentTested: record.agentTested, rules: rules, assessment: assessment))
        }
        if let groups {
            for index in all.indices { all[index].conflictGroup = groups[index] }
        } else if let pairs = computed {
            ConflictGroups.assign(&all, partners: pairs.map { $0.map(\.other) })
            if !subjects.isEmpty {
                graphCache.save(ConflictGraphCache.Graph(pairs, readiness: all, changed: changed), for: key)
            }
        }
        var byRun = [RunID: Readiness](minimumCapacity: all.count)
        for (subject, readiness) in zip(subjects, all) where byRun[subject.view.record.id] == nil {
            byRun[subject.view.record.id] = readiness
        }
        return byRun
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
