import ArgumentParser
import Foundation
import KanbotsApp
import KanbotsAutopilot
import KanbotsCore
import KanbotsStore

struct AutopilotQACommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "qa",
        abstract: "Make failing checks pass: run them on the base, dispatch a fix run per failure, verify, repeat.",
        discussion: """
            Each --check is a shell command run with /bin/sh -c in a checkout. Checks that fail \
            on the base get a card ("Fix failing check: ...", with the output's tail) and an \
            engineer run; when the run finishes the check runs again in its worktree. A check that \
            still fails gets another run on top of the last fix, up to --max-rounds. The session \
            stops when all checks are green (all_green), when the budget is spent \
            (budget_reached), or when the rounds are used up (checks_still_failing). Follow it with \
            `git kanbots autopilot status`; outputs are in .git/kanbots/sessions/<id>/.
            """
    )

    @Option(name: .customLong("check"), help: "A check command (repeatable), e.g. --check \"swift test\".")
    var checks: [String] = []
    @Option(help: "USD the whole session may spend.") var budget: Double
    @Option(name: .customLong("run-cap"), help: "USD cap of each fix run (default: git config kanbots.cap).")
    var runCap: Double?
    @Option(help: "Fix runs at once.") var parallel: Int = 2
    @Option(help: "Branch to check and fix (default: git config kanbots.base).") var base: String?
    @Option(name: .customLong("max-rounds"), help: "Fix runs per failing check before giving up on it.")
    var maxRounds: Int = 3
    @Option(name: .customLong("check-timeout"),
            help: "Stop a check that runs longer than this and count it failing (90s, 10m, 2h; default 30m).")
    var checkTimeout: String?
    @Option(help: "Agent to run (default: git config kanbots.agent).") var agent: String?
    @Option(help: "Model to ask the agent for.") var model: String?
    @Flag(help: "Print the session as JSON.") var json = false

    func run() throws {
        let commands = checks.map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        guard !commands.isEmpty else { throw KanbotsError.invalidArgument("give at least one --check \"command\"") }
        guard budget > 0, budget.isFinite else { throw KanbotsError.invalidArgument("--budget must be a positive amount of USD") }
        if let runCap, !(runCap > 0) { throw KanbotsError.invalidArgument("--run-cap must be a positive amount of USD") }
        guard parallel >= 1 else { throw KanbotsError.invalidArgument("--parallel must be at least 1") }
        guard maxRounds >= 1 else { throw KanbotsError.invalidArgument("--max-rounds must be at least 1") }
        let timeout = try checkTimeout.map { text in
            guard let seconds = DurationText.seconds(text), seconds > 0 else {
                throw KanbotsError.invalidArgument("--check-timeout '\(text)' is not a duration (examples: 90s, 10m, 2h)")
            }
            return seconds
        } ?? QAState.defaultCheckTimeout
        let repository = try openInitializedRepository()
        let settings = Settings(repository)
        let agentName = agent ?? settings.defaultAgent
        let autopilot = AutopilotActions(repository)
        try autopilot.validateAgent(agentName)
        let baseName = try base ?? settings.defaultBase()
        guard try repository.git.resolveCommit(baseName) != nil else { throw KanbotsError.unknownBase(baseName) }

        var session = AutopilotSession(
            id: AutopilotSession.newID(), parallel: parallel, budgetUSD: budget,
            runCapUSD: runCap ?? settings.defaultCapUSD, personas: [Prompt.defaultPersona], createdAt: Date(),
            host: KanbotsRepository.hostName)
        session.agent = agent
        session.model = model
        session.qa = QAState(checks: commands, base: baseName, maxRounds: maxRounds)
        session.qa?.checkTimeout = timeout
        let pid = try autopilot.launch(session, event: String(
            format: "qa started: %d check(s) on %@, budget $%.2f", commands.count, baseName, budget))
        if json {
            try printJSON(["id": session.id, "pid": String(pid)])
        } else {
            print("autopilot qa \(session.id) started (orchestrator pid \(pid))")
            print("  follow it with `git kanbots autopilot status`")
        }
    }
}
