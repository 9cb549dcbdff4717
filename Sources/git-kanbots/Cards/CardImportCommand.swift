import ArgumentParser
import Foundation
import KanbotsApp
import KanbotsCore
import KanbotsStore

extension CardCommand {
    struct Import: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "import",
            abstract: "Import GitHub issues as cards (title, body, labels and number are kept for offline use).",
            discussion: """
                Reads the issues of `git config kanbots.github.repo` (else the GitHub repository of \
                remote origin) from GITHUB_API_URL (default https://api.github.com) with the token in \
                GH_TOKEN, GITHUB_TOKEN or `gh auth token`. A new card takes the issue's number when that \
                number is free; importing again refreshes the cards and never duplicates them. \
                See docs/github.md.
                """)

        @Flag(help: "Import from GitHub issues (the only source so far).") var github = false
        @Option(help: "Only issues with this label.") var label: String?
        @Option(help: "Which issues: open, closed or all.") var state = "open"
        @Flag(help: "Print JSON.") var json = false

        func validate() throws {
            guard github else { throw ValidationError("give --github (the only source to import from)") }
            guard ["open", "closed", "all"].contains(state) else {
                throw ValidationError("--state must be open, closed or all")
            }
        }

        func run() throws {
            let repository = try openInitializedRepository()
            let cards = GitHubCards(repository: repository, connection: GitHubConnection(repository))
            let results = try cards.importIssues(label: label, state: state)
            if json {
                struct Imported: Encodable {
                    var card: CardJSON
                    var outcome: String
                }
                try printJSON(results.map { Imported(card: CardJSON($0.card), outcome: $0.outcome.rawValue) })
                return
            }
            if results.isEmpty { print("no matching issues") }
            for (card, outcome) in results {
                print("\(outcome.rawValue)\t#\(card.number)\t\(card.title)"
                    + (card.issue != card.number ? "  (issue #\(card.issue ?? 0))" : ""))
            }
        }
    }
}
