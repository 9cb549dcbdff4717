import ArgumentParser
import Foundation
import KanbotsApp
import KanbotsCore
import KanbotsStore
import KanbotsSupervisor

struct DispatchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dispatch",
        abstract: "Start an agent on a card in a new worktree and branch; returns at once.",
        discussion: """
            Each dispatch gets a fresh run id, a branch kanbots/issue-<card>-<run> made from the \
            base, and a worktree at .kanbots/worktrees/issue-<card>-<run>; the agent runs there \
            under a detached supervisor that outlives this terminal. Dispatching one card twice \
            gives two independent runs. Follow it with `git kanbots board` or `git kanbots log <run>`.
            """
    )

    @Argument(help: "The card to work on (its number).") var card: String
    @Option(help: ArgumentHelp(
        "Agent to run: demo, claude, codex or one you defined (`git kanbots agents` lists them).",
        discussion: "Default: the card's agent, else the persona's, else git config kanbots.agent, else demo."))
    var agent: String?
    @Option(help: "Model to ask the agent for (default: the card's, the persona's, kanbots.model, the agent's own).")
    var model: String?
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
        "Where the run's supervisor runs: local, slurm (a Slurm batch job) or kubernetes.",
        discussion: "Default: the card's (card edit --on), else git config kanbots.executor, else local. See docs/executors.md.",
        valueName: "executor"))
    var on: String?
    @Flag(help: "Print the run as JSON.") var json = false

    func run() throws {
        let number = try parseCardNumber(card)
        let decideAfterSeconds = try RunActions.decideAfterSeconds(decideAfter)
        var request = DispatchRequest(
            card: number, agent: agent, model: model, base: base, capUSD: cap, persona: persona,
            decideAfter: decideAfterSeconds)
        request.maxTime = try RunActions.maxTime(maxTime)
        request.executor = try on.map(ExecutorKind.parse)
        let repository = try openRepository()
        let dispatched = try RunActions(repository).dispatch(request)
        let record = dispatched.record
        if json {
            try printJSON(["id": record.id.description, "card": String(record.card), "branch": record.branch,
                           "worktree": repository.absolutePath(record.worktree), "agent": record.agent])
        } else if record.executor.isRemote {
            print("run \(record.id) submitted to \(record.executor.rawValue) on card #\(record.card) with \(record.agent)")
            print("  job      \(record.jobName) (its record, transcript and branch arrive with `git kanbots sync`)")
        } else {
            print("run \(record.id) started on card #\(record.card) with \(record.agent)")
            print("  branch   \(record.branch)")
            print("  worktree \(repository.absolutePath(record.worktree))")
        }
        report(dispatched.mirrored, quiet: json)
    }
}
