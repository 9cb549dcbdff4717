import ArgumentParser
import Foundation
import KanbotsApp
import KanbotsCore
import KanbotsStore

struct DispatchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dispatch",
        abstract: "Start an agent on a card in a new worktree and branch; returns at once.",
        discussion: """
            Each dispatch gets a fresh run id, a branch kanbots/issue-<card>-<run> made from the \
            base, and a worktree at .kanbots/worktrees/issue-<card>-<run>; the agent runs there \
            under a detached supervisor that outlives this terminal. Dispatching one card twice \
            gives two independent runs: attempts, which review compares and of which one lands \
            (landing it supersedes the others). --attempts N starts N at once; --agent and --model \
            take a comma-separated list that the attempts use in turn (`--attempts 4 --agent \
            claude,codex`: claude, codex, claude, codex). Follow it with `git kanbots board` or \
            `git kanbots log <run>`.
            """
    )

    @Argument(help: "The card to work on (its number).") var card: String
    @Option(help: ArgumentHelp(
        "Agent to run: demo, claude, codex or one you defined (`git kanbots agents` lists them); a,b for attempts in turn.",
        discussion: "Default: the card's agent, else the persona's, else git config kanbots.agent, else demo."))
    var agent: String?
    @Option(help: "Model to ask the agent for (default: the card's, the persona's, kanbots.model, the agent's own); a,b for attempts in turn.")
    var model: String?
    @Option(help: "Start this many attempts of the card at once (default: 1, or one per agent given with --agent a,b).")
    var attempts: Int?
    @Option(help: "Branch, tag or commit to start from (default: git config kanbots.base).") var base: String?
    @Option(help: "Stop the run once its metered cost passes this many USD (default: kanbots.cap).") var cap: Double?
    @Option(help: "Persona whose instructions the agent gets (default: engineer).") var persona: String?
    @Option(help: ArgumentHelp(
        "Take a question's default after this long without an answer (90s, 10m, 2h; default: kanbots.decide-after).",
        discussion: "Questions marked irreversible always wait for a human.", valueName: "duration"))
    var decideAfter: String?
    @Option(help: ArgumentHelp(
        "Stop the run after this much wall-clock time (30m, 2h; none for no cap; default: kanbots.max-time).",
        discussion: "Recorded as failed (time_capped). Required for agents that may report no cost (ACP).",
        valueName: "duration"))
    var maxTime: String?
    @Option(help: ArgumentHelp(
        "Where the run's supervisor runs: local, slurm (a Slurm batch job) or kubernetes (a Job, through kubectl).",
        discussion: "Default: the card's (card edit --on), else git config kanbots.executor, else local. See docs/executors.md.",
        valueName: "executor"))
    var on: String?
    @Flag(help: "Print the run as JSON.") var json = false

    func run() throws {
        let number = try parseCardNumber(card)
        var request = DispatchInput(
            card: number, agent: nil, model: nil, base: base, capUSD: cap, persona: persona,
            decideAfter: try RunActions.decideAfterSeconds(decideAfter))
        request.maxTime = try RunActions.maxTime(maxTime)
        request.executor = try on.map(ExecutorKind.parse)
        let plan = try RunActions.AttemptPlan(count: attempts, agents: agent, models: model)
        let repository = try openRepository()
        let outcome = try RunActions(repository).dispatchAttempts(request, plan: plan)
        let records = outcome.started.map(\.record)
        if json, plan.count > 1 {
            try printJSON(records.map { StartedRunJSON($0, in: repository) })
        } else {
            for record in records { try printStarted(record, in: repository, json: json) }
        }
        if let (attempt, error) = outcome.failure {
            // The ones started keep running: they are shown above.
            throw KanbotsError.invalidArgument(
                "attempt \(attempt + 1) of \(plan.count) did not start (\((error as? KanbotsError)?.description ?? "\(error)")); "
                    + "\(records.count) attempt\(records.count == 1 ? " is" : "s are") running")
        }
        for dispatched in outcome.started { report(dispatched.mirrored, quiet: json) }
    }
}
