import ArgumentParser
import Foundation
import KanbotsCore
import KanbotsStore
import KanbotsSupervisor

struct CardCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "card",
        abstract: "File, list, show, edit and close local cards (kept in refs/kanbots/cards/).",
        subcommands: [New.self, List.self, Show.self, Edit.self, Close.self, Import.self]
    )

    struct New: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "File a new card and print its number.",
            discussion: "Numbers are claimed atomically and never reused, even by concurrent commands.")

        @Argument(help: "The card's title.") var title: String
        @Option(help: "The card's description.") var body: String?
        @Option(name: .customLong("body-file"), help: "Read the description from a file (- for standard input).")
        var bodyFile: String?
        @Flag(help: "File it in the Backlog instead of Todo.") var backlog = false
        @OptionGroup var choice: CardAgentOptions

        func run() throws {
            let repository = try openRepository()
            let text = try readBody(body: body, bodyFile: bodyFile) ?? ""
            try choice.validate(in: repository)
            var card = try CardStore(repository).create(title: title, body: text, lane: backlog ? .backlog : .todo)
            if !choice.isEmpty { card = try CardStore(repository).update(card.number) { choice.apply(to: &$0) } }
            print(card.number)
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the cards.")
        @Flag(help: "Include closed cards.") var all = false
        @Flag(help: "Print JSON.") var json = false

        func run() throws {
            let repository = try openRepository()
            let (cards, unreadable) = try CardStore(repository).all()
            let shown = cards.filter { all || $0.state == .open }
            if json {
                try printJSON(shown.map(CardJSON.init))
            } else if shown.isEmpty {
                print("No cards. File one with `git kanbots card new \"Title\"`.")
            } else {
                for card in shown {
                    let flags = [card.state == .closed ? "closed" : nil, card.lane == .backlog ? "backlog" : nil,
                                 card.after.isEmpty ? nil : "after " + card.after.map { "#\($0)" }.joined(separator: ","),
                                 card.rank.map { "rank \($0)" }]
                        .compactMap { $0 }
                    print("#\(card.number)\t\(card.title)\(flags.isEmpty ? "" : "  (\(flags.joined(separator: "; ")))")")
                }
            }
            reportUnreadable(unreadable)
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show one card and its runs.")
        @Argument(help: "Card number.") var card: String
        @Flag(help: "Print JSON.") var json = false

        func run() throws {
            let repository = try openRepository()
            let card = try CardStore(repository).card(try parseCardNumber(self.card))
            let runs = try RunIndex(repository).records().records.filter { $0.card == card.number }
                .sorted { $0.createdAt < $1.createdAt }
            if json {
                var value = CardJSON(card)
                value.runs = runs.map(\.id.description)
                try printJSON(value)
                return
            }
            print("#\(card.number) \(card.title)")
            print("state: \(card.state.rawValue)\(card.lane == .backlog ? ", backlog" : "")  source: \(card.source)")
            if let url = card.url { print("issue: #\(card.issue.map(String.init) ?? "?") \(url)") }
            if !card.labels.isEmpty { print("labels: \(card.labels.joined(separator: ", "))") }
            if !card.after.isEmpty { print("after: " + card.after.map { "#\($0)" }.joined(separator: ", ")) }
            if let rank = card.rank { print("rank: \(rank)") }
            if card.agent != nil || card.model != nil {
                print("agent: \(card.agent ?? "(default)")\(card.model.map { "  model: \($0)" } ?? "")")
            }
            if !card.body.isEmpty { print("\n\(card.body)") }
            if !runs.isEmpty {
                print("\nruns:")
                for run in runs {
                    print("  \(run.id)  \(run.state.rawValue)\(run.reason.map { " (\($0))" } ?? "")  \(formatCost(run.costUSD))  \(run.branch)")
                }
            }
        }
    }

    struct Edit: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Change a card's title, description, lane or dependencies.")
        @Argument(help: "Card number.") var card: String
        @Option(help: "New title.") var title: String?
        @Option(help: "New description.") var body: String?
        @Option(name: .customLong("body-file"), help: "Read the new description from a file (- for standard input).")
        var bodyFile: String?
        @Option(help: "Place a card without runs in 'todo' or 'backlog'.") var lane: String?
        @Option(help: "Depend on another card (repeatable).") var after: [String] = []
        @Flag(help: "Drop all dependencies.") var clearAfter = false
        @Option(help: "Autopilot order: lower ranks go first; unranked cards follow by number.") var rank: Int?
        @Flag(help: "Drop the card's rank.") var clearRank = false
        @Flag(help: "Reopen a closed card.") var reopen = false
        @OptionGroup var choice: CardAgentOptions

        func run() throws {
            let repository = try openRepository()
            let number = try parseCardNumber(card)
            let newBody = try readBody(body: body, bodyFile: bodyFile)
            let dependencies = try after.map(parseCardNumber)
            let store = CardStore(repository)
            try choice.validate(in: repository)
            for dependency in dependencies where dependency != number { _ = try store.card(dependency) }
            if dependencies.contains(number) { throw KanbotsError.invalidArgument("a card cannot depend on itself") }
            let newLane = try lane.map { text -> Card.Lane in
                guard let lane = Card.Lane(rawValue: text) else {
                    throw KanbotsError.invalidArgument("lane must be 'todo' or 'backlog', not '\(text)'")
                }
                return lane
            }
            let card = try store.update(number) { card in
                if let title { card.title = title }
                if let newBody { card.body = newBody }
                if let newLane { card.lane = newLane }
                if clearAfter { card.after = [] }
                for dependency in dependencies where !card.after.contains(dependency) { card.after.append(dependency) }
                if reopen { card.state = .open }
                if clearRank { card.rank = nil }
                if let rank { card.rank = rank }
                choice.apply(to: &card)
            }
            print("updated #\(card.number) \(card.title)")
        }
    }

    struct Close: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Close a card (it moves to Done; its number stays taken).")
        @Argument(help: "Card number.") var card: String

        func run() throws {
            let repository = try openRepository()
            let card = try CardStore(repository).update(try parseCardNumber(card)) { $0.state = .closed }
            print("closed #\(card.number) \(card.title)")
        }
    }
}

func readBody(body: String?, bodyFile: String?) throws -> String? {
    if body != nil, bodyFile != nil { throw KanbotsError.invalidArgument("give --body or --body-file, not both") }
    guard let bodyFile else { return body }
    if bodyFile == "-" { return String(decoding: FileHandle.standardInput.readDataToEndOfFile(), as: UTF8.self) }
    guard let data = FileManager.default.contents(atPath: bodyFile) else {
        throw KanbotsError.invalidArgument("cannot read --body-file \(bodyFile)")
    }
    return String(decoding: data, as: UTF8.self)
}

func reportUnreadable(_ errors: [KanbotsError]) {
    for error in errors { FileHandle.standardError.write(Data("warning: \(error)\n".utf8)) }
}

struct CardJSON: Encodable {
    var number: Int
    var title: String
    var body: String
    var state: String
    var lane: String
    var source: String
    var after: [Int]
    var rank: Int?
    var createdAt: Date
    var updatedAt: Date
    var runs: [String]?
    var issue: Int?
    var url: String?
    var labels: [String]
    var agent: String?
    var model: String?

    init(_ card: Card) {
        number = card.number
        title = card.title
        body = card.body
        state = card.state.rawValue
        lane = card.lane.rawValue
        source = card.source
        after = card.after
        rank = card.rank
        createdAt = card.createdAt
        updatedAt = card.updatedAt
        issue = card.issue
        url = card.url
        labels = card.labels
        agent = card.agent
        model = card.model
    }
}

/// `--agent`/`--model` of `card new` and `card edit`: the card's own choice,
/// which dispatch flags override and which overrides persona and config.
struct CardAgentOptions: ParsableArguments {
    @Option(help: "The agent this card's runs use unless dispatch names one (`none` clears it).") var agent: String?
    @Option(help: "The model this card's runs ask for (`none` clears it).") var model: String?

    var isEmpty: Bool { agent == nil && model == nil }

    func validate(in repository: KanbotsRepository) throws {
        if let agent, agent != "none" { try AgentCatalog.validate(agent, settings: Settings(repository)) }
    }

    func apply(to card: inout Card) {
        if let agent { card.agent = agent == "none" ? nil : agent }
        if let model { card.model = model == "none" ? nil : model }
    }
}
