import Foundation
import KanbotsCore
import KanbotsGitHub
import KanbotsRuns
import KanbotsStore

/// GitHub issues kept as cards, and the `status:*` labels that mirror each
/// card's derived column back onto its issue (docs/github.md).
public struct GitHubCards {
    public let repository: KanbotsRepository
    public let connection: GitHubConnection

    public init(repository: KanbotsRepository, connection: GitHubConnection) {
        self.repository = repository
        self.connection = connection
    }
    var store: CardStore { CardStore(repository) }

    public enum Outcome: String { case created = "imported", updated, unchanged }

    /// Keeps an issue as a card: files it (under the issue's number when that
    /// is free) or refreshes the card already kept for it.
    func keep(_ issue: GitHubIssue) throws -> (card: Card, outcome: Outcome) {
        let state: Card.State = issue.state == "closed" ? .closed : .open
        let body = issue.body ?? ""
        if let existing = try store.card(forIssue: issue.number) {
            guard existing.title != issue.title || existing.body != body || existing.labels != issue.labelNames
                    || existing.url != issue.htmlURL || existing.state != state else { return (existing, .unchanged) }
            let card = try store.update(existing.number) { card in
                card.title = issue.title
                card.body = body
                card.labels = issue.labelNames
                card.url = issue.htmlURL
                card.state = state
            }
            return (card, .updated)
        }
        var card = Card(number: issue.number, title: issue.title, body: body, createdAt: Date(), source: "github")
        card.issue = issue.number
        card.url = issue.htmlURL
        card.labels = issue.labelNames
        card.state = state
        return (try store.file(card, preferring: issue.number), .created)
    }

    public func importIssues(label: String?, state: String) throws -> [(card: Card, outcome: Outcome)] {
        let client = try connection.client()
        return try client.issues(in: try connection.target(), state: state, label: label).map(keep)
    }

    /// The card for issue `number`, importing the issue when it is not kept yet.
    public func card(forIssue number: Int) throws -> Card {
        if let kept = try store.card(forIssue: number) { return kept }
        let client = try connection.client()
        return try keep(try client.issue(number, in: try connection.target())).card
    }

    /// Makes each imported card's issue carry exactly the `status:*` label of
    /// its column. The label last mirrored is kept on the card
    /// (`Status-Label`), so a card whose column has not changed costs no API
    /// call and running this twice changes nothing. Returns one line per change.
    @discardableResult
    public func mirrorLabels(onlyCards numbers: Set<Int>? = nil) throws -> [String] {
        // Cards are few and cheap to read; the board is not: skip it when no card is an issue.
        let candidates = try numbers.map { $0.compactMap { try? store.card($0) } } ?? store.all().cards
        guard candidates.contains(where: { $0.issue != nil }) else { return [] }
        let board = try Reconciler(repository).reconciledSnapshot().board
        var lines: [String] = []
        for entry in board.cards {
            guard let card = entry.card, let issue = card.issue, numbers?.contains(card.number) ?? true else { continue }
            let desired = StatusLabels.label(for: entry.column)
            let mirrored: [String] = switch card.statusLabel {
            case nil: card.labels.filter { $0.hasPrefix(StatusLabels.prefix) }
            case "none": []
            case let label?: [label]
            }
            if mirrored == (desired.map { [$0] } ?? []) { continue }
            let client = try connection.client()
            let target = try connection.target()
            let current = try client.issue(issue, in: target).labelNames
            let change = StatusLabels.change(current: current, desired: desired)
            if let add = change.add {
                let style = StatusLabels.style(of: add)
                try client.ensureLabel(add, color: style.color, description: style.description, in: target)
            }
            for label in change.remove { try client.removeLabel(label, fromIssue: issue, in: target) }
            if let add = change.add { try client.addLabels([add], toIssue: issue, in: target) }
            let labels = current.filter { !change.remove.contains($0) } + (change.add.map { [$0] } ?? [])
            try store.update(card.number) { card in
                card.statusLabel = desired ?? "none"
                card.labels = labels
            }
            if !change.isEmpty {
                lines.append("issue #\(issue): \(desired ?? "no status label")"
                    + (change.remove.isEmpty ? "" : " (removed \(change.remove.joined(separator: ", ")))"))
            }
        }
        return lines
    }

    /// What mirroring after a change did: one line per label changed, or
    /// the warning to show when GitHub could not be told.
    public struct Mirrored: Sendable {
        public var lines: [String] = []
        public var warning: String?
    }

    /// Mirrors labels after a command changed a card's column; a failure is
    /// a warning, because the command itself did what it was asked.
    public static func mirrorAfterChange(in repository: KanbotsRepository, cards: Set<Int>) -> Mirrored {
        do {
            return Mirrored(lines: try GitHubCards(repository: repository, connection: GitHubConnection(repository))
                .mirrorLabels(onlyCards: cards))
        } catch {
            return Mirrored(warning: "status labels not mirrored to GitHub (\(error)); `git kanbots board --refresh` retries")
        }
    }
}
