import ArgumentParser
import Foundation
import KanbotsApp
import KanbotsAutopilot
import KanbotsCore
import KanbotsStore

struct AutopilotStartCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "start",
        abstract: "Start an autopilot session in the background and print its id.",
        discussion: """
            The orchestrator keeps --parallel runs going (at most git config \
            kanbots.autopilot.max-parallel, default 16; fewer while the machine is loaded or runs \
            are rate limited), taking Todo cards in rank order. It stops dispatching the moment the \
            session's live spend reaches --budget; runs in flight finish under --run-cap each. \
            With reviewer among --personas, every engineer run that finishes with commits gets a \
            reviewer run on its branch.
            """
    )

    @Option(help: "Runs to keep going at once.") var parallel: Int = 2
    @Option(help: "USD the whole session may spend (live, all its runs).") var budget: Double
    @Option(name: .customLong("run-cap"), help: "USD cap of each run (default: git config kanbots.cap).")
    var runCap: Double?
    @Option(help: "Comma-separated personas, taken in turn (default: engineer).") var personas = "engineer"
    @Option(help: "Only these cards: numbers and ranges, e.g. 3,5,8-12 (default: every Todo card).")
    var cards: String?
    @Option(help: "Agent to run (default: git config kanbots.agent); several, comma-separated, are taken in turn by a card's attempts.")
    var agent: String?
    @Option(help: "Model to ask the agent for; several, comma-separated, as for --agent.") var model: String?
    @Option(help: ArgumentHelp(
        "Attempts of each card, started together (default: one per --agent name).",
        discussion: "With --land the first attempt that lands stops the others and supersedes them."))
    var attempts: Int?
    @Flag(name: .customLong("after-in-review"), help: "A dependency in review (not only done) releases a card.")
    var afterInReview = false
    @Option(name: .customLong("max-failures"), help: "Stop after this many runs fail in a row.")
    var maxFailures: Int = 3
    @Option(name: .customLong("decide-after"),
            help: "Runs take a reversible question's default after this long (90s, 10m, 2h; default: kanbots.decide-after).")
    var decideAfter: String?
    @Option(help: ArgumentHelp(
        "Where the session's runs run: local, slurm or kubernetes (default: as dispatch chooses for each card).",
        discussion: "Remote runs' spend is counted from their checkpoints: see docs/autopilot.md, Budget.",
        valueName: "executor"))
    var on: String?
    @Flag(help: ArgumentHelp(
        "Land the session's ready runs as they come (the merge queue, `land --watch`), checks on each merged result.",
        discussion: "Conflicting runs are redone by rebase runs within the budget; what needs a human waits in `git kanbots inbox`."))
    var land = false
    @Flag(name: .customLong("land-unchecked"), help: "Like --land, even when no checks are configured (nothing proves the merges).")
    var landUnchecked = false
    @Flag(help: "Print the session as JSON.") var json = false

    func run() throws {
        var request = AutopilotStartRequest(budgetUSD: budget)
        request.parallel = parallel
        request.runCapUSD = runCap
        request.personas = personas.split(separator: ",").map(String.init)
        request.cards = try cards.map(parseCardQuery)
        request.agent = agent
        request.model = model
        request.attempts = attempts
        request.afterInReview = afterInReview
        request.land = land
        request.landUnchecked = landUnchecked
        request.maxFailures = maxFailures
        request.decideAfter = decideAfter
        request.executor = try on.map(ExecutorKind.parse)
        let (session, pid) = try AutopilotActions(try openRepository()).start(request)
        if json {
            try printJSON(AutopilotStartJSON(session, pid: pid))
        } else {
            print("autopilot \(session.id) started (orchestrator pid \(pid))")
            print("  follow it with `git kanbots autopilot status`, end it with `git kanbots autopilot stop`")
        }
    }
}
