import Foundation
import KanbotsCore
import KanbotsReview
import KanbotsStore

/// `git kanbots land`: the landing plan, and landing runs in its order under
/// the repository's landing lock (docs/review.md).
public struct Landing {
    public let repository: KanbotsRepository

    public init(_ repository: KanbotsRepository) { self.repository = repository }

    /// The order in which the runs In review merge cleanly, and those that must wait.
    public func plan() throws -> LandingPlan {
        try ReviewQueue.load(repository).plan(repository)
    }

    /// What landing did, and what the plan left in review.
    public struct Result {
        public var outcome: Lander.Outcome
        public var plan: LandingPlan
        public var mirrored: GitHubCards.Mirrored

        /// Why landing stopped before the end, as the error the front ends report; nil when it did not.
        public var stoppedError: KanbotsError? {
            outcome.stopped.map { stopped in
                KanbotsError.invalidArgument(
                    "stopped at run \(stopped.run): \(stopped.reason)" + (stopped.log.map { "; its output is in \($0)" } ?? ""))
            }
        }
    }

    /// Lands `runs` in that order, or (empty) every run the plan can land;
    /// with `check`, runs the checks on each intermediate result and stops
    /// at the first failure. `progress` hears each step as it happens.
    public func land(_ runs: [RunID], check: Bool, progress: (String) -> Void = { _ in }) throws -> Result {
        let (outcome, planned) = try Lander.withLandingLock(repository) { () throws -> (Lander.Outcome, LandingPlan) in
            let planned = try ReviewQueue.load(repository).plan(repository, only: runs.isEmpty ? nil : runs)
            if !runs.isEmpty, let held = planned.held.first {
                throw KanbotsError.invalidArgument("run \(held.view.record.id) cannot land: \(held.reason)")
            }
            guard !planned.steps.isEmpty else {
                throw KanbotsError.invalidArgument(
                    "no run can land now" + (planned.held.isEmpty ? " (nothing is In review)" : "; `git kanbots land --plan` says why"))
            }
            return (try Lander(repository).land(planned.steps, check: check, progress: progress), planned)
        }
        let mirrored = GitHubCards.mirrorAfterChange(in: repository, cards: Set(outcome.landed.map(\.card)))
        return Result(outcome: outcome, plan: planned, mirrored: mirrored)
    }
}

/// What `land --json` prints.
public struct LandJSON: Encodable {
    public var landed: [Landed]
    public var stopped: Stopped?
    public var held: [Held]

    public struct Landed: Encodable {
        public var run: String
        public var card: Int
        public var into: String
        public var how: String
        public var commit: String
        public var checks: String?
        /// The other attempts of its card, recorded superseded.
        public var superseded: [String]
        /// Those of them that were still running, and were stopped.
        public var stoppedAttempts: [String]
    }

    public struct Stopped: Encodable {
        public var run: String
        public var reason: String
        public var checksLog: String?
    }

    public struct Held: Encodable {
        public var run: String
        public var action: String
        public var reason: String
    }

    public init(_ result: Landing.Result) {
        landed = result.outcome.landed.map {
            Landed(run: $0.run.description, card: $0.card, into: $0.merge.target, how: $0.merge.how,
                   commit: $0.merge.commit.hex, checks: $0.checks?.outcome.rawValue,
                   superseded: $0.superseded.map(\.description), stoppedAttempts: $0.stopped.map(\.description))
        }
        stopped = result.outcome.stopped.map { Stopped(run: $0.run.description, reason: $0.reason, checksLog: $0.log) }
        held = result.plan.held.map {
            Held(run: $0.view.record.id.description, action: $0.action.rawValue, reason: $0.reason)
        }
    }
}
