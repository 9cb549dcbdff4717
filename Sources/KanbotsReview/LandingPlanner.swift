import Foundation
import KanbotsCore
import KanbotsGit
import KanbotsStore

/// An order in which runs merge one after the other onto their base's tip
/// with no conflicts, and the runs that cannot be in it, with why.
public struct LandingPlan: Sendable {
    public struct Step: Sendable {
        public var view: RunView
        public var readiness: Readiness
        /// The base branch's tip the step was planned on, and the tree the
        /// simulation predicts after it.
        public var predictedTree: String
    }

    /// What a human must do before a run can land.
    public enum Action: String, Sendable, Codable {
        /// Land the others first; it conflicts with one of them.
        case wait
        /// Ask the agent to fix it: `git kanbots reply`.
        case reply
        /// It no longer merges onto its base.
        case rebase
        /// Another attempt of its card lands; landing that supersedes this one.
        case superseded
    }

    public struct Held: Sendable {
        public var view: RunView
        public var readiness: Readiness?
        public var action: Action
        public var reason: String
        /// Runs in the plan it conflicts with.
        public var blockedBy: [String]
    }

    public var steps: [Step]
    public var held: [Held]
}

/// Plans landings by simulation: each run is merged, in memory, on top of
/// the result of the runs before it (`git_merge_trees`; the intermediate
/// trees are written as unreferenced objects, nothing else is touched).
public struct LandingPlanner {
    let repository: KanbotsRepository

    public init(_ repository: KanbotsRepository) { self.repository = repository }

    /// Verdicts a plan can take: conflicts with another run only decide the order.
    public static func isLandable(_ verdict: Verdict) -> Bool { verdict == .ready || verdict == .behind || verdict == .conflicts }

    /// Plans `candidates` in the given order (the review queue's, or the user's).
    public func plan(_ candidates: [(view: RunView, readiness: Readiness?)]) throws -> LandingPlan {
        let git = repository.git
        var steps: [LandingPlan.Step] = []
        var held: [LandingPlan.Held] = []
        // The simulated result per base tip: its tree and the runs already in it.
        var results: [String: (tree: ObjectID, runs: [LandingPlan.Step])] = [:]
        // The attempt of each card that lands: one per card, the first the plan can land.
        var landing: [Int: RunID] = [:]
        for (view, readiness) in candidates {
            let id = view.record.id
            guard let readiness else {
                held.append(.init(view: view, readiness: nil, action: .reply,
                                  reason: "it has no commits of its own to land", blockedBy: []))
                continue
            }
            guard Self.isLandable(readiness.verdict) else {
                held.append(Self.hold(view, readiness))
                continue
            }
            if let chosen = landing[view.record.card] {
                held.append(.init(view: view, readiness: readiness, action: .superseded,
                                  reason: "run \(chosen) is the attempt of card #\(view.record.card) that lands; "
                                      + "landing it supersedes this one (land this one instead: `git kanbots land \(id)`)",
                                  blockedBy: [chosen.description]))
                continue
            }
            guard let baseTip = ObjectID(hex: readiness.baseTip), let tip = ObjectID(hex: readiness.tip),
                  let mergeBase = ObjectID(hex: readiness.mergeBase) else { continue }
            let current = try results[readiness.baseTip] ?? (git.commit(baseTip).tree, [])
            let merge = try git.mergeTrees(ancestor: git.commit(mergeBase).tree, ours: current.tree,
                                           theirs: git.commit(tip).tree, writeTree: true)
            guard merge.isClean, let tree = merge.tree else {
                let culprits = Self.culprits(of: readiness, among: current.runs, conflictedPaths: merge.conflictedPaths)
                let names = culprits.map { "run \($0.view.record.id) (card #\($0.view.record.card))" }
                held.append(.init(
                    view: view, readiness: readiness, action: .wait,
                    reason: "conflicts in \(RiskRules.listing(merge.conflictedPaths)) with "
                        + (names.isEmpty ? "the runs before it" : names.joined(separator: ", "))
                        + ", which land first; then `git kanbots reply \(id)` to resolve it",
                    blockedBy: culprits.map { $0.view.record.id.description }))
                continue
            }
            let step = LandingPlan.Step(view: view, readiness: readiness, predictedTree: tree.hex)
            steps.append(step)
            landing[view.record.card] = id
            results[readiness.baseTip] = (tree, current.runs + [step])
        }
        // An attempt that had to wait is superseded once a later attempt of its card lands.
        for index in held.indices where held[index].action == .wait {
            guard let chosen = landing[held[index].view.record.card] else { continue }
            held[index].action = .superseded
            held[index].reason = "run \(chosen) is the attempt of card #\(held[index].view.record.card) that lands; "
                + "landing it supersedes this one"
            held[index].blockedBy = [chosen.description]
        }
        return LandingPlan(steps: steps, held: held)
    }

    static func culprits(of readiness: Readiness, among planned: [LandingPlan.Step],
                         conflictedPaths: [String]) -> [LandingPlan.Step] {
        let blockers = Set(readiness.blockers(among: planned.map(\.readiness), conflictedPaths: conflictedPaths))
        return planned.filter { blockers.contains($0.readiness.run) }
    }

    static func hold(_ view: RunView, _ readiness: Readiness) -> LandingPlan.Held {
        let id = view.record.id
        switch readiness.verdict {
        case .checksFailed where readiness.failedOnMerge != nil:
            return .init(view: view, readiness: readiness, action: .reply,
                         reason: "its checks failed on the result of merging it into \(view.record.base) "
                             + "(\(readiness.failedOnMerge ?? "")); `git kanbots reply \(id)` with what to fix", blockedBy: [])
        case .checksFailed:
            return .init(view: view, readiness: readiness, action: .reply,
                         reason: "its checks failed; `git kanbots reply \(id)` with what to fix", blockedBy: [])
        case .outOfScope:
            return .init(view: view, readiness: readiness, action: .reply,
                         reason: "it writes outside its card's scope (\(RiskRules.listing(readiness.outOfScope))); "
                             + "`git kanbots reply \(id)` or widen the card's scope", blockedBy: [])
        default:
            return .init(view: view, readiness: readiness, action: .rebase,
                         reason: "it no longer merges onto \(view.record.base) (\(RiskRules.listing(readiness.baseConflicts))); "
                             + "rebase it or `git kanbots reply \(id)`", blockedBy: [])
        }
    }
}
