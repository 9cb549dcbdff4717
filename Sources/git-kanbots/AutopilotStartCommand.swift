import ArgumentParser
import Foundation
import KanbotsAutopilot
import KanbotsCore
import KanbotsStore
import KanbotsSupervisor

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
    @Option(help: "Agent to run (default: git config kanbots.agent).") var agent: String?
    @Option(help: "Model to ask the agent for.") var model: String?
    @Flag(name: .customLong("after-in-review"), help: "A dependency in review (not only done) releases a card.")
    var afterInReview = false
    @Option(name: .customLong("max-failures"), help: "Stop after this many runs fail in a row.")
    var maxFailures: Int = 3
    @Option(name: .customLong("decide-after"),
            help: "Runs take a reversible question's default after this long (90s, 10m, 2h; default: kanbots.decide-after).")
    var decideAfter: String?
    @Flag(help: "Print the session as JSON.") var json = false

    func run() throws {
        guard parallel >= 1 else { throw KanbotsError.invalidArgument("--parallel must be at least 1") }
        guard budget > 0, budget.isFinite else { throw KanbotsError.invalidArgument("--budget must be a positive amount of USD") }
        if let runCap, !(runCap > 0) { throw KanbotsError.invalidArgument("--run-cap must be a positive amount of USD") }
        guard maxFailures >= 1 else { throw KanbotsError.invalidArgument("--max-failures must be at least 1") }
        if let decideAfter, DurationText.seconds(decideAfter) == nil {
            throw KanbotsError.invalidArgument("--decide-after '\(decideAfter)' is not a duration (examples: 90s, 10m, 2h)")
        }
        let repository = try openInitializedRepository()
        let settings = Settings(repository)
        let names = personas.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        guard !names.isEmpty else { throw KanbotsError.invalidArgument("--personas needs at least one persona") }
        try Personas.validate(names, repository: repository)
        let agentName = agent ?? settings.defaultAgent
        try AgentCatalog.validate(agentName, settings: settings)
        _ = try AgentCatalog.locate(agentName, settings: settings)
        let cardNumbers = try cards.map(parseCardQuery)
        let cardStore = CardStore(repository)
        for number in cardNumbers ?? [] { _ = try cardStore.card(number) }

        var session = AutopilotSession(
            id: AutopilotSession.newID(), parallel: parallel, budgetUSD: budget,
            runCapUSD: runCap ?? settings.defaultCapUSD, personas: names, createdAt: Date(),
            host: KanbotsRepository.hostName)
        session.cards = cardNumbers
        session.agent = agent
        session.model = model
        session.afterInReview = afterInReview
        session.maxFailures = maxFailures
        session.decideAfter = decideAfter
        let pid = try launchSession(session, in: repository, event: String(
            format: "started: %d slot(s), budget $%.2f, run cap $%.2f, personas %@", parallel, budget,
            session.runCapUSD, names.joined(separator: ",")))
        if json {
            try printJSON(["id": session.id, "pid": String(pid)])
        } else {
            print("autopilot \(session.id) started (orchestrator pid \(pid))")
            print("  follow it with `git kanbots autopilot status`, end it with `git kanbots autopilot stop`")
        }
    }
}

/// Records a new session and starts its orchestrator, refusing while another
/// session of this repository is active (running, draining or lost).
func launchSession(_ session: AutopilotSession, in repository: KanbotsRepository, event: String) throws -> Int32 {
    let store = SessionStore(repository)
    // Two starts at once must not both see "no active session".
    let startLock = try FileLock(path: repository.stateDirectory + "/autopilot-start.lock")
    startLock.lock()
    defer { startLock.unlock() }
    if let active = try store.all().first(where: { $0.state.isActive }) {
        let lost = store.liveness(of: active) == .gone
        throw KanbotsError.invalidArgument(lost
            ? "autopilot session \(active.id) is lost; `git kanbots autopilot resume` continues it, `git kanbots autopilot stop` ends it"
            : "autopilot session \(active.id) is already running; `git kanbots autopilot stop` ends it")
    }
    try FileManager.default.createDirectory(atPath: store.directory(session.id), withIntermediateDirectories: true)
    let lock = try FileLock(path: store.lockPath(session.id))
    lock.lock()
    try store.create(session, event: event)
    return try OrchestratorLauncher(repository).start(session.id, holding: lock)
}
