import ArgumentParser
import Foundation
import KanbotsApp
import KanbotsCore
import KanbotsReview
import KanbotsStore

struct LandCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "land",
        abstract: "Merge reviewed runs into their base branch, one after the other, in an order that merges cleanly.",
        discussion: """
            --plan simulates landing every run In review in memory, each on top of the result of the \
            ones before it, and prints the order and the runs that must wait, be replied to, or be \
            rebased, with why; a run waits for exactly the runs it conflicts with, and one attempt \
            per card lands. `land RUN…` lands those runs in that order; `land --ready` lands the \
            plan. Landing an attempt records the card's other finished attempts superseded. Each run follows the rules of `promote --merge`: a main checkout with uncommitted \
            changes is refused, the base is fast-forwarded where it can be, else a merge commit is \
            made, and the run is recorded merged.

            With --check, the repository's checks (git config kanbots.check) run on each \
            intermediate result in a temporary worktree, and landing stops at the first failure. \
            The base branch moves only after a run's merge (and its checks) succeeded, so a failure \
            or a crash leaves it at the last run that fully landed. One land at a time per \
            repository. See docs/review.md.
            """
    )

    @Argument(help: "Runs to land, in this order.") var runIDs: [String] = []
    @Flag(help: "Land every run the plan can land.") var ready = false
    @Flag(help: "Only print the landing plan; change nothing.") var plan = false
    @Flag(help: "Run the checks on each intermediate result; stop at the first failure.") var check = false
    @Flag(help: "Print JSON.") var json = false

    func validate() throws {
        let modes = [!runIDs.isEmpty, ready, plan].filter { $0 }.count
        if modes == 0 { throw ValidationError("name runs to land, or give --ready or --plan") }
        if modes > 1 { throw ValidationError("give runs, --ready or --plan: only one of them") }
        if plan, check { throw ValidationError("--plan changes nothing; --check goes with runs or --ready") }
    }

    struct Output: Encodable {
        var landed: [Landed]
        var stopped: Stopped?
        var held: [Held]

        struct Landed: Encodable {
            var run: String
            var card: Int
            var into: String
            var how: String
            var commit: String
            var checks: String?
            var superseded: [String]
        }

        struct Stopped: Encodable {
            var run: String
            var reason: String
            var checksLog: String?
        }

        struct Held: Encodable {
            var run: String
            var action: String
            var reason: String
        }
    }

    func run() throws {
        let repository = try openInitializedRepository()
        let ids = try runIDs.map { try resolveRun($0, in: repository) }
        if plan {
            let queue = try ReviewQueue.load(repository)
            let planned = try queue.plan(repository)
            if json { try printJSON(LandingPlanJSON(plan: planned)) } else { printPlan(planned) }
            return
        }
        let outcome = try Lander.withLandingLock(repository) { () throws -> (Lander.Outcome, LandingPlan) in
            let queue = try ReviewQueue.load(repository)
            let planned = try queue.plan(repository, only: ids.isEmpty ? nil : ids)
            if !ids.isEmpty, let held = planned.held.first {
                throw KanbotsError.invalidArgument("run \(held.view.record.id) cannot land: \(held.reason)")
            }
            guard !planned.steps.isEmpty else {
                throw KanbotsError.invalidArgument(
                    "no run can land now" + (planned.held.isEmpty ? " (nothing is In review)" : "; `git kanbots land --plan` says why"))
            }
            let outcome = try Lander(repository).land(planned.steps, check: check) { line in
                if !json { print(line) }
            }
            return (outcome, planned)
        }
        let (result, planned) = outcome
        if json {
            try printJSON(Output(
                landed: result.landed.map {
                    .init(run: $0.run.description, card: $0.card, into: $0.merge.target, how: $0.merge.how,
                          commit: $0.merge.commit.hex, checks: $0.checks?.outcome.rawValue,
                          superseded: $0.superseded.map(\.description))
                },
                stopped: result.stopped.map { .init(run: $0.run.description, reason: $0.reason, checksLog: $0.log) },
                held: planned.held.map { .init(run: $0.view.record.id.description, action: $0.action.rawValue, reason: $0.reason) }))
        } else {
            for held in planned.held { print("left in review: run \(held.view.record.id) (card #\(held.view.record.card)): \(held.reason)") }
        }
        report(GitHubCards.mirrorAfterChange(in: repository, cards: Set(result.landed.map(\.card))), quiet: json)
        if let stopped = result.stopped {
            throw KanbotsError.invalidArgument(
                "stopped at run \(stopped.run): \(stopped.reason)" + (stopped.log.map { "; its output is in \($0)" } ?? ""))
        }
    }

    private func printPlan(_ plan: LandingPlan) {
        if plan.steps.isEmpty && plan.held.isEmpty {
            print("Nothing in review to land.")
            return
        }
        if !plan.steps.isEmpty {
            print("Land in this order (each merges cleanly on top of the ones before it):")
            for (index, step) in plan.steps.enumerated() {
                let record = step.view.record
                print("  \(index + 1). run \(record.id) (card #\(record.card)) into \(record.base): \(step.readiness.verdict.rawValue)")
            }
        }
        if !plan.held.isEmpty {
            print("Not now:")
            for held in plan.held {
                print("  run \(held.view.record.id) (card #\(held.view.record.card)): \(held.action.rawValue): \(held.reason)")
            }
        }
        if !plan.steps.isEmpty { print("`git kanbots land --ready` lands them (add --check to run the checks on each step).") }
    }
}
