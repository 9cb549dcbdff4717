import Foundation
import KanbotsCore
import KanbotsStore
import KanbotsSupervisor

/// A change to a card, as `card edit` and the web board ask for it; nil
/// fields stay as they are.
public struct CardEdit: Sendable {
    public var title: String?
    public var body: String?
    /// `todo` or `backlog`.
    public var lane: String?
    /// Cards to depend on, added to those already named.
    public var after: [Int] = []
    public var clearAfter = false
    public var rank: Int?
    public var clearRank = false
    public var reopen = false
    /// The agent and model the card's runs use unless dispatch names others
    /// (`none` clears either).
    public var agent: String?
    public var model: String?
    /// Where the card's runs run unless dispatch says `--on` (`none` clears it).
    public var executor: String?
    /// Scope globs and checks to add (after clearing, when asked).
    public var scope: [String] = []
    public var clearScope = false
    public var checks: [String] = []
    public var clearChecks = false
    /// Setup commands to add (after clearing, when asked).
    public var setup: [String] = []
    public var clearSetup = false

    public init(title: String? = nil, body: String? = nil, lane: String? = nil) {
        self.title = title
        self.body = body
        self.lane = lane
    }
}

/// Filing, changing and reading cards: the use cases behind `card`.
public struct CardActions {
    public let repository: KanbotsRepository
    var store: CardStore { CardStore(repository) }

    public init(_ repository: KanbotsRepository) { self.repository = repository }

    /// Files a card; `choice` is its agent and model (`card new --agent --model`).
    public func create(title: String, body: String, backlog: Bool, scope: [String] = [], checks: [String] = [],
                       setup: [String] = [], choice: AgentChoice = AgentChoice(), executor: String? = nil) throws -> Card {
        try Self.checkScopeAndChecks(scope: scope, checks: checks, setup: setup)
        try validate(choice)
        let on = try Self.executor(executor)
        return try store.create(title: title, body: body, lane: backlog ? .backlog : .todo) { card in
            card.scope = Self.unique(scope)
            card.checks = Self.unique(checks)
            card.setup = setup
            Self.apply(choice, to: &card)
            if let on { card.executor = on }
        }
    }

    /// A card may only name an agent dispatch can run (`none` names none).
    private func validate(_ choice: AgentChoice) throws {
        if let agent = choice.agent, agent != "none" {
            try AgentCatalog.validate(agent, settings: Settings(repository))
        }
    }

    public func edit(_ number: Int, _ edit: CardEdit) throws -> Card {
        try validate(AgentChoice(agent: edit.agent, model: edit.model))
        let on = try Self.executor(edit.executor)
        try Self.checkScopeAndChecks(scope: edit.scope, checks: edit.checks, setup: edit.setup)
        for dependency in edit.after where dependency != number { _ = try store.card(dependency) }
        if edit.after.contains(number) { throw KanbotsError.invalidArgument("a card cannot depend on itself") }
        let newLane = try edit.lane.map { text -> Card.Lane in
            guard let lane = Card.Lane(rawValue: text) else {
                throw KanbotsError.invalidArgument("lane must be 'todo' or 'backlog', not '\(text)'")
            }
            return lane
        }
        return try store.update(number) { card in
            if let title = edit.title { card.title = title }
            if let body = edit.body { card.body = body }
            if let newLane { card.lane = newLane }
            if edit.clearAfter { card.after = [] }
            for dependency in edit.after where !card.after.contains(dependency) { card.after.append(dependency) }
            if edit.reopen { card.state = .open }
            if edit.clearRank { card.rank = nil }
            if let rank = edit.rank { card.rank = rank }
            Self.apply(AgentChoice(agent: edit.agent, model: edit.model), to: &card)
            if let on { card.executor = on == .local && edit.executor == "none" ? nil : on }
            if edit.clearScope { card.scope = [] }
            if edit.clearChecks { card.checks = [] }
            card.scope = Self.unique(card.scope + edit.scope)
            card.checks = Self.unique(card.checks + edit.checks)
            if edit.clearSetup { card.setup = [] }
            card.setup += edit.setup
        }
    }

    /// `--on`: an executor's name, or `none` (read as local, which clears the field).
    private static func executor(_ text: String?) throws -> ExecutorKind? {
        guard let text else { return nil }
        return text == "none" ? .local : try ExecutorKind.parse(text)
    }

    /// Sets the card's agent and model; `none` clears either.
    private static func apply(_ choice: AgentChoice, to card: inout Card) {
        if let agent = choice.agent { card.agent = agent == "none" ? nil : agent }
        if let model = choice.model { card.model = model == "none" ? nil : model }
    }

    /// Scope globs, checks and setup commands are one line each (they are
    /// `Scope:`, `Check:` and `Setup:` lines of the card's record).
    static func checkScopeAndChecks(scope: [String], checks: [String], setup: [String] = []) throws {
        for glob in scope where glob.trimmingCharacters(in: .whitespaces).isEmpty || glob.contains("\n") {
            throw KanbotsError.invalidArgument("--scope '\(glob)' is not a path glob; give one like 'Sources/API/**'")
        }
        for check in checks where check.trimmingCharacters(in: .whitespaces).isEmpty || check.contains("\n") {
            throw KanbotsError.invalidArgument("--check needs a one-line shell command, like --check 'swift test'")
        }
        for command in setup where command.trimmingCharacters(in: .whitespaces).isEmpty || command.contains("\n") {
            throw KanbotsError.invalidArgument("--setup needs a one-line shell command, like --setup 'npm ci'")
        }
    }

    private static func unique(_ values: [String]) -> [String] {
        var seen: Set<String> = []
        return values.filter { seen.insert($0).inserted }
    }

    public func close(_ number: Int) throws -> Card {
        try store.update(number) { $0.state = .closed }
    }

    /// A card and its runs, oldest first.
    public func show(_ number: Int) throws -> (card: Card, runs: [RunRecord]) {
        let card = try store.card(number)
        let runs = try RunIndex(repository).records().records.filter { $0.card == card.number }
            .sorted { $0.createdAt < $1.createdAt }
        return (card, runs)
    }
}
