import ArgumentParser
import Foundation
import KanbotsApp
import KanbotsCore
import KanbotsRuns
import KanbotsStore

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
    @Flag(help: "Print the run as JSON.") var json = false

    func run() throws {
        let number = try parseCardNumber(card)
        let decideAfterSeconds = try RunActions.decideAfterSeconds(decideAfter)
        var request = DispatchRequest(
            card: number, agent: agent, model: model, base: base, capUSD: cap, persona: persona,
            decideAfter: decideAfterSeconds)
        request.maxTime = try RunActions.maxTime(maxTime)
        let repository = try openRepository()
        let dispatched = try RunActions(repository).dispatch(request)
        try printStarted(dispatched.record, in: repository, json: json)
        report(dispatched.mirrored, quiet: json)
    }
}
