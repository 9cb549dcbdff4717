import ArgumentParser
import Foundation
import KanbotsApp
import KanbotsCore
import KanbotsStore

struct CardCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "card",
        abstract: "File, list, show, edit and close local cards (kept in refs/kanbots/cards/).",
        subcommands: [New.self, List.self, Show.self, Edit.self, Close.self, Import.self]
    )

    struct New: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "new",
            abstract: "File a new card and print its number.",
            discussion: "Numbers are claimed atomically and never reused, even by concurrent commands.")

        @Argument(help: "The card's title.") var title: String
        @Option(help: "The card's description.") var body: String?
        @Option(name: .customLong("body-file"), help: "Read the description from a file (- for standard input).")
        var bodyFile: String?
        @Flag(help: "File it in the Backlog instead of Todo.") var backlog = false
        @OptionGroup var choice: CardAgentOptions
        @OptionGroup var review: CardReviewOptions

        func run() throws {
            let repository = try openRepository()
            let text = try readBody(body: body, bodyFile: bodyFile) ?? ""
            let card = try CardActions(repository).create(
                title: title, body: text, backlog: backlog, scope: review.scope, checks: review.checks,
                setup: review.setup,
                choice: AgentChoice(agent: choice.agent, model: choice.model), executor: choice.on)
            print(card.number)
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "list", abstract: "List the cards.")
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
                                 card.rank.map { "rank \($0)" },
                                 card.scope.isEmpty ? nil : "scope " + card.scope.joined(separator: " ")]
                        .compactMap { $0 }
                    print("#\(card.number)\t\(card.title)\(flags.isEmpty ? "" : "  (\(flags.joined(separator: "; ")))")")
                }
            }
            reportUnreadable(unreadable)
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "show", abstract: "Show one card and its runs.")
        @Argument(help: "Card number.") var card: String
        @Flag(help: "Print JSON.") var json = false

        func run() throws {
            let repository = try openRepository()
            let (card, runs) = try CardActions(repository).show(try parseCardNumber(self.card))
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
            if let on = card.executor { print("on: \(on.rawValue)") }
            if !card.scope.isEmpty { print("scope: \(card.scope.joined(separator: "  "))") }
            for check in card.checks { print("check: \(check)") }
            for command in card.setup { print("setup: \(command)") }
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
        static let configuration = CommandConfiguration(
            commandName: "edit", abstract: "Change a card's title, description, lane or dependencies.")
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
        @OptionGroup var review: CardReviewOptions

        func run() throws {
            let repository = try openRepository()
            let number = try parseCardNumber(card)
            let newBody = try readBody(body: body, bodyFile: bodyFile)
            var edit = CardEdit(title: title, body: newBody, lane: lane)
            edit.after = try after.map(parseCardNumber)
            edit.clearAfter = clearAfter
            edit.rank = rank
            edit.clearRank = clearRank
            edit.reopen = reopen
            edit.agent = choice.agent
            edit.model = choice.model
            edit.executor = choice.on
            review.apply(to: &edit)
            let card = try CardActions(repository).edit(number, edit)
            print("updated #\(card.number) \(card.title)")
        }
    }

    struct Close: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "close", abstract: "Close a card (it moves to Done; its number stays taken).")
        @Argument(help: "Card number.") var card: String

        func run() throws {
            let repository = try openRepository()
            let card = try CardActions(repository).close(try parseCardNumber(card))
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

/// `--agent`/`--model` of `card new` and `card edit`: the card's own choice,
/// which dispatch flags override and which overrides persona and config.
struct CardAgentOptions: ParsableArguments {
    @Option(help: "The agent this card's runs use unless dispatch names one (`none` clears it).") var agent: String?
    @Option(help: "The model this card's runs ask for (`none` clears it).") var model: String?
    @Option(help: ArgumentHelp(
        "Where this card's runs run unless dispatch says --on: local, slurm or kubernetes (`none` clears it).", valueName: "executor"))
    var on: String?
}
