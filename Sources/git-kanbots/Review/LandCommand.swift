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
            plan. Landing an attempt stops the card's other attempts still running and records them all superseded. Each run follows the rules of `promote --merge`: a main checkout with uncommitted \
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
    @Flag(help: ArgumentHelp(
        "The merge queue: keep landing runs as they become ready, checks on each merged result; Ctrl-C ends it.",
        discussion: "Runs that no longer merge get a rebase run, runs whose checks fail on the merge one fix run; what needs a human waits in `git kanbots inbox`. See docs/review.md, \"The merge queue\"."))
    var watch = false
    @Flag(help: "With --watch: land even when no checks are configured (nothing then proves a merge).") var unchecked = false
    @Flag(help: "With --watch: one pass, then exit.") var once = false
    @Option(help: "With --watch: seconds between passes that find nothing to do.") var interval: Double = 2
    @Option(help: ArgumentHelp("With --watch: land for this autopilot session, and end after it.",
                               discussion: "`autopilot start --land` starts it so.")) var session: String?

    func validate() throws {
        let modes = [!runIDs.isEmpty, ready, plan, watch].filter { $0 }.count
        if modes == 0 { throw ValidationError("name runs to land, or give --ready, --plan or --watch") }
        if modes > 1 { throw ValidationError("give runs, --ready, --plan or --watch: only one of them") }
        if (unchecked || once || session != nil) && !watch {
            throw ValidationError("--unchecked, --once and --session go with --watch")
        }
        if watch && check { throw ValidationError("--watch always runs the checks on the merged result (or none with --unchecked)") }
        if plan, check { throw ValidationError("--plan changes nothing; --check goes with runs or --ready") }
    }

    func run() throws {
        let repository = try openInitializedRepository()
        let ids = try runIDs.map { try resolveRun($0, in: repository) }
        if watch {
            try watchQueue(repository)
            return
        }
        let landing = Landing(repository)
        if plan {
            let planned = try landing.plan()
            if json { try printJSON(LandingPlanJSON(plan: planned)) } else { printPlan(planned) }
            return
        }
        let result = try landing.land(ids, check: check) { line in
            if !json { print(line) }
        }
        if json {
            try printJSON(LandJSON(result))
        } else {
            for held in result.plan.held { print("left in review: run \(held.view.record.id) (card #\(held.view.record.card)): \(held.reason)") }
        }
        report(result.mirrored, quiet: json)
        if let stopped = result.stoppedError { throw stopped }
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
