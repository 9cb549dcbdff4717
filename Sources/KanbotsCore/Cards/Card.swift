/// A unit of work: a local card or an imported issue.
///
/// Stored as the tip commit of `refs/kanbots/cards/<number>`: the message
/// holds the fields, the tree holds `body.md`.
public struct Card: Sendable, Equatable {
    public enum State: String, Sendable { case open, closed }
    /// Where a card without runs sits: Todo by default, Backlog if filed so.
    public enum Lane: String, Sendable { case todo, backlog }

    public var number: Int
    public var title: String
    public var body: String
    public var state: State
    public var lane: Lane
    public var source: String
    /// Cards that must be done before this one (autopilot honours it).
    public var after: [Int]
    /// For an imported GitHub issue: its number, web address and labels,
    /// kept so the board works offline (docs/github.md).
    public var issue: Int?
    public var url: String?
    public var labels: [String]
    /// The `status:*` label last mirrored to the issue (`none` when the
    /// mirror removed them all): what label sync compares against.
    public var statusLabel: String?
    /// The user's order for autopilot: lower first; unranked cards follow, by number.
    public var rank: Int?
    /// The paths the card's work may touch (`card new --scope`): globs as
    /// `PathGlob` reads them. Empty means anywhere.
    public var scope: [String]
    /// Checks that prove this card's work (`card new --check`), run after
    /// the repository's own `kanbots.check` commands.
    public var checks: [String]
    /// Setup commands for this card's runs (`card new --setup`), run after
    /// the repository's own `kanbots.setup` commands, before the agent starts.
    public var setup: [String]
    /// The agent and model this card's runs use unless dispatch names
    /// others (`card new --agent codex --model gpt-5.5`).
    public var agent: String?
    public var model: String?
    public var createdAt: Date
    public var updatedAt: Date
    /// Fields this version does not know, kept verbatim on rewrite.
    public var extra: [(key: String, value: String)]

    public static func == (lhs: Card, rhs: Card) -> Bool {
        lhs.message == rhs.message && lhs.body == rhs.body
    }

    public init(number: Int, title: String, body: String = "", createdAt: Date, source: String = "local") {
        self.number = number
        self.title = title
        self.body = body
        state = .open
        lane = .todo
        self.source = source
        after = []
        labels = []
        scope = []
        checks = []
        setup = []
        extra = []
        self.createdAt = createdAt
        updatedAt = createdAt
    }

    public var message: TrailerMessage {
        var m = TrailerMessage(subject: "card \(number): \(title)")
        m.append("Card", String(number))
        m.append("Title", title)
        m.append("State", state.rawValue)
        m.append("Lane", lane.rawValue)
        m.append("Source", source)
        m.append("After", after.isEmpty ? nil : after.map(String.init).joined(separator: " "))
        m.append("Issue", issue.map(String.init))
        m.append("URL", url)
        for label in labels { m.append("Label", label) }
        m.append("Status-Label", statusLabel)
        m.append("Rank", rank.map(String.init))
        for glob in scope { m.append("Scope", glob) }
        for check in checks { m.append("Check", check) }
        for command in setup { m.append("Setup", command) }
        m.append("Agent", agent)
        m.append("Model", model)
        m.append("Created", Timestamp.format(createdAt))
        m.append("Updated", Timestamp.format(updatedAt))
        for field in extra { m.append(field.key, field.value) }
        return m
    }

    /// Reads the fields from a message; the body comes from the tree.
    public init(parsing text: String, body: String) throws {
        guard let m = TrailerMessage(parsing: text) else { throw RecordError.malformed("not a Key: value record") }
        guard let numberText = m["Card"], let number = Int(numberText) else {
            throw RecordError.badField("Card", m["Card"] ?? "")
        }
        guard let title = m["Title"] else { throw RecordError.missingField("Title") }
        guard let created = m["Created"].flatMap(Timestamp.parse) else { throw RecordError.missingField("Created") }
        self.init(number: number, title: title, body: body, createdAt: created, source: m["Source"] ?? "local")
        guard let state = State(rawValue: m["State"] ?? "open") else { throw RecordError.badField("State", m["State"]!) }
        self.state = state
        lane = Lane(rawValue: m["Lane"] ?? "todo") ?? .todo
        after = (m["After"] ?? "").split(separator: " ").compactMap { Int($0) }
        rank = m["Rank"].flatMap { Int($0) }
        updatedAt = m["Updated"].flatMap(Timestamp.parse) ?? created
        issue = m["Issue"].flatMap { Int($0) }
        url = m["URL"]
        labels = m.fields.filter { $0.key == "Label" }.map(\.value)
        statusLabel = m["Status-Label"]
        scope = m.fields.filter { $0.key == "Scope" }.map(\.value)
        checks = m.fields.filter { $0.key == "Check" }.map(\.value)
        setup = m.fields.filter { $0.key == "Setup" }.map(\.value)
        agent = m["Agent"]
        model = m["Model"]
        extra = m.fields.filter { !Self.knownKeys.contains($0.key) }
    }

    static let knownKeys: Set<String> = [
        "Card", "Title", "State", "Lane", "Source", "After", "Issue", "URL", "Label", "Status-Label", "Rank", "Scope", "Check", "Setup",
        "Agent", "Model",
        "Created", "Updated",
    ]
}
