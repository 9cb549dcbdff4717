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
    @Flag(help: "Print the run as JSON.") var json = false

    /// Attempts at most per dispatch: more is a typo, not a plan (each is an agent and a worktree).
    static let maxAttempts = 50

    /// A comma-separated option as a list the attempts take in turn; nil (the default) for all of them.
    static func choices(_ value: String?, option: String) throws -> [String?] {
        guard let value else { return [nil] }
        let items = value.split(separator: ",", omittingEmptySubsequences: false)
            .map { $0.trimmingCharacters(in: .whitespaces) }
        guard !items.contains(where: \.isEmpty) else {
            throw KanbotsError.invalidArgument(
                "--\(option) '\(value)' has an empty name; give names separated by commas, e.g. claude,codex")
        }
        return items
    }

    /// How many attempts, with the agent and model lists they take in turn.
    private func attemptPlan() throws -> (count: Int, agents: [String?], models: [String?]) {
        let agents = try Self.choices(agent, option: "agent"), models = try Self.choices(model, option: "model")
        if let attempts, !(1...Self.maxAttempts).contains(attempts) {
            throw KanbotsError.invalidArgument("--attempts must be between 1 and \(Self.maxAttempts), not \(attempts)")
        }
        let names = max(agents.count, models.count)
        let count = attempts ?? names
        if names > count {
            throw KanbotsError.invalidArgument(
                "\(names) agents or models for \(count) attempt\(count == 1 ? "" : "s"); give --attempts \(names) or fewer names")
        }
        return (count, agents, models)
    }

    func run() throws {
        let number = try parseCardNumber(card)
        let decideAfterSeconds = try RunActions.decideAfterSeconds(decideAfter)
        let (count, agents, models) = try attemptPlan()
        let repository = try openRepository()
        var started: [RunRecord] = []
        var mirrored: [GitHubCards.Mirrored] = []
        for index in 0..<count {
            var request = DispatchRequest(
                card: number, agent: agents[index % agents.count], model: models[index % models.count], base: base,
                capUSD: cap, persona: persona, decideAfter: decideAfterSeconds)
            request.maxTime = try RunActions.maxTime(maxTime)
            let dispatched: RunActions.Dispatched
            do {
                dispatched = try RunActions(repository).dispatch(request)
            } catch let error as KanbotsError where !started.isEmpty {
                // The ones started keep running: say which, then why the rest did not start.
                try show(started, in: repository, many: true)
                throw KanbotsError.invalidArgument(
                    "attempt \(index + 1) of \(count) did not start (\(error.description)); "
                        + "\(started.count) attempt\(started.count == 1 ? " is" : "s are") running")
            }
            started.append(dispatched.record)
            mirrored.append(dispatched.mirrored)
        }
        try show(started, in: repository, many: count > 1)
        for each in mirrored { report(each, quiet: json) }
    }

    /// One run as an object; several (`--attempts`) as an array.
    private func show(_ records: [RunRecord], in repository: KanbotsRepository, many: Bool) throws {
        let objects = records.map { record in
            ["id": record.id.description, "card": String(record.card), "branch": record.branch,
             "worktree": repository.absolutePath(record.worktree), "agent": record.agent]
        }
        if json {
            if many { try printJSON(objects) } else if let one = objects.first { try printJSON(one) }
            return
        }
        for record in records {
            print("run \(record.id) started on card #\(record.card) with \(record.agent)")
            print("  branch   \(record.branch)")
            print("  worktree \(repository.absolutePath(record.worktree))")
        }
    }
}
