import KanbotsCore
import KanbotsGit

/// Cards in git: `refs/kanbots/cards/<number>`, one commit per edit; the
/// message holds the fields, the tree holds `body.md`.
public final class CardStore {
    let repository: KanbotsRepository
    var git: Repository { repository.git }

    public init(_ repository: KanbotsRepository) { self.repository = repository }

    static func ref(_ number: Int) -> String { KanbotsRepository.cardsRefPrefix + String(number) }

    /// Files a card under the next free number, claimed by creating its ref.
    /// Numbers are never reused because card refs are never deleted (closing
    /// a card is an edit).
    /// `configure` sets further fields (scope, checks) before the one write.
    public func create(title: String, body: String, lane: Card.Lane = .todo,
                       configure: (inout Card) -> Void = { _ in }) throws -> Card {
        let title = title.trimmed()
        guard !title.isEmpty else { throw KanbotsError.invalidArgument("a card needs a title") }
        var card = Card(number: 0, title: title, body: body, createdAt: Date())
        card.lane = lane
        configure(&card)
        return try file(card, preferring: nil)
    }

    /// Files `card` under `preferred` when that number is free (an imported
    /// issue keeps its number), else under the next free number.
    public func file(_ card: Card, preferring preferred: Int?) throws -> Card {
        var card = card
        var number = try preferred ?? ((try numbers().max() ?? 0) + 1)
        for _ in 0..<Contention.maxAttempts {
            card.number = number
            do {
                try RecordChain(git: git, ref: Self.ref(number)).create(
                    message: card.message.text, files: ["body.md": Data(card.body.utf8)],
                    signature: git.defaultSignature())
                return card
            } catch let error as GitError where error.isContention {
                Contention.retries += 1
                number = number == preferred ? (try numbers().max() ?? 0) + 1 : number + 1
            }
        }
        throw KanbotsError.contention(ref: KanbotsRepository.cardsRefPrefix, attempts: Contention.maxAttempts)
    }

    /// The card imported from GitHub issue `issue`, if any.
    public func card(forIssue issue: Int) throws -> Card? {
        if let same = try? card(issue), same.issue == issue { return same }
        return try all().cards.first { $0.issue == issue }
    }

    /// Every card number taken, readable or not: a number whose ref cannot
    /// be read is still not free.
    public func numbers() throws -> [Int] {
        let listing = try git.referenceListing(under: KanbotsRepository.cardsRefPrefix)
        return (listing.references.map(\.name) + listing.unreadable.map(\.name))
            .compactMap { Int($0.dropFirst(KanbotsRepository.cardsRefPrefix.count)) }
    }

    public func card(_ number: Int) throws -> Card {
        let chain = RecordChain(git: git, ref: Self.ref(number))
        guard let message = try chain.tipMessage() else { throw KanbotsError.unknownCard(number) }
        let body = try chain.attachment("body.md").map { String(decoding: $0, as: UTF8.self) } ?? ""
        do {
            return try Card(parsing: message, body: body)
        } catch let error as RecordError {
            throw KanbotsError.corruptRecord(ref: Self.ref(number), reason: error.description)
        }
    }

    /// All readable cards, and the refs that could not be read: a loose
    /// card ref git cannot parse is one of those, never its packed value.
    public func all() throws -> (cards: [Card], unreadable: [KanbotsError]) {
        let listing = try git.referenceListing(under: KanbotsRepository.cardsRefPrefix)
        var cards: [Card] = []
        var unreadable = listing.unreadable.map { KanbotsError.unreadableRef(ref: $0.name, reason: $0.reason(in: git)) }
        let numbers = listing.references.compactMap { Int($0.name.dropFirst(KanbotsRepository.cardsRefPrefix.count)) }
        for number in numbers.sorted() {
            do { cards.append(try card(number)) } catch let error as KanbotsError { unreadable.append(error) }
        }
        return (cards, unreadable)
    }

    /// Edits a card with compare-and-swap.
    @discardableResult
    public func update(_ number: Int, _ change: (inout Card) throws -> Void) throws -> Card {
        var result: Card?
        do {
            try RecordChain(git: git, ref: Self.ref(number)).update(signature: git.defaultSignature()) { message, files in
                let body = try files["body.md"].map { String(decoding: try git.readBlob($0), as: UTF8.self) } ?? ""
                var card: Card
                do {
                    card = try Card(parsing: message, body: body)
                } catch let error as RecordError {
                    throw KanbotsError.corruptRecord(ref: Self.ref(number), reason: error.description)
                }
                try change(&card)
                card.updatedAt = Date()
                result = card
                return (card.message.text, ["body.md": Data(card.body.utf8)])
            }
        } catch RecordChainError.missing {
            throw KanbotsError.unknownCard(number)
        }
        return result!
    }
}
