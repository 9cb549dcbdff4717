import Foundation
import KanbotsCore
import KanbotsStore

/// The review queue: every run In review, in the order a human should take
/// them, with its readiness (`git kanbots review`).
public struct ReviewQueue {
    public struct Entry: Sendable {
        public var view: RunView
        public var card: Card?
        /// Nil for a run with no commits of its own, or whose branch is in another clone.
        public var readiness: Readiness?

        public init(view: RunView, card: Card?, readiness: Readiness?) {
            self.view = view
            self.card = card
            self.readiness = readiness
        }
    }

    public var board: Board
    public var readiness: [RunID: Readiness]
    /// Every attempt In review, each card's attempts included.
    public var entries: [Entry]
    /// The attempts still in play of each card with one In review (`Attempts.current`).
    public var attempts: [Int: [RunView]]
    public var unreadable: [KanbotsError]

    public static func load(_ repository: KanbotsRepository) throws -> ReviewQueue {
        let snapshot = try BoardLoader(repository).load()
        let readiness = try ReadinessEvaluator(repository).evaluate(snapshot.board)
        let cards = Dictionary(snapshot.board.cards.compactMap { $0.card.map { ($0.number, $0) } },
                               uniquingKeysWith: { first, _ in first })
        let attempts = Attempts.current(snapshot.board)
        let entries = attempts.values.joined().filter { $0.column == .inReview && $0.record.state != .merged }
            .map { Entry(view: $0, card: cards[$0.record.card], readiness: readiness[$0.record.id]) }
            .sorted(by: order)
        let reviewed = Set(entries.map(\.view.record.card))
        return ReviewQueue(board: snapshot.board, readiness: readiness, entries: entries,
                           attempts: attempts.filter { reviewed.contains($0.key) }, unreadable: snapshot.unreadable)
    }

    /// The attempts of `card` when it has several: a reviewer compares them.
    public func attempts(of card: Int) -> [RunView]? {
        guard let runs = attempts[card], runs.count > 1 else { return nil }
        return runs
    }

    static func order(_ lhs: Entry, _ rhs: Entry) -> Bool {
        switch (lhs.readiness, rhs.readiness) {
        case let (left?, right?):
            return Readiness.queueOrder(left, right, lhsCreated: lhs.view.record.createdAt,
                                        rhsCreated: rhs.view.record.createdAt)
        case (.some, nil): return true
        case (nil, .some): return false
        case (nil, nil): return lhs.view.record.createdAt < rhs.view.record.createdAt
        }
    }

    /// Plans landing the queue's runs (all of them, or `only` in that order).
    public func plan(_ repository: KanbotsRepository, only: [RunID]? = nil) throws -> LandingPlan {
        let candidates: [(view: RunView, readiness: Readiness?)]
        if let only {
            candidates = try only.map { id in
                guard let view = board.runs.first(where: { $0.record.id == id }) else {
                    throw KanbotsError.unknownRun(id.description)
                }
                guard view.column == .inReview, view.record.state != .merged else {
                    throw KanbotsError.invalidArgument(
                        "run \(id) is not In review (\(view.displayState)); only finished runs with commits land")
                }
                return (view, readiness[id])
            }
        } else {
            candidates = entries.filter { $0.view.record.state != .promoted }.map { ($0.view, $0.readiness) }
        }
        return try LandingPlanner(repository).plan(candidates)
    }
}

extension ReviewQueue {
    /// `ids` in the order they should be merged: the review queue's order,
    /// simulated like `land --plan`; runs the plan holds back come after the
    /// ones it lands, and runs not In review keep their place at the end.
    public func landingOrder(_ ids: [RunID], in repository: KanbotsRepository) throws -> [(id: RunID, note: String?)] {
        let wanted = Set(ids)
        let queued = entries.filter { wanted.contains($0.view.record.id) }
        let plan = try LandingPlanner(repository).plan(queued.map { ($0.view, $0.readiness) })
        var order = plan.steps.map { (id: $0.view.record.id, note: String?.none) }
        order += plan.held.map { (id: $0.view.record.id, note: Optional($0.reason)) }
        let placed = Set(order.map(\.id))
        return order + ids.filter { !placed.contains($0) }.map { (id: $0, note: nil) }
    }
}

/// What `review RUN` shows beyond the readiness: the tails a reviewer reads.
public struct RunReviewDetail: Sendable {
    public var checksLogTail: String?
    public var finalMessage: String?

    public static func load(_ record: RunRecord, in repository: KanbotsRepository, logLines: Int = 20) -> RunReviewDetail {
        let store = RunStore(repository)
        let log = (try? store.attachment(ChecksResult.logFile, of: record.id)) ?? nil
        let tail = log.map { data -> String in
            let lines = String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
            return lines.suffix(logLines).joined(separator: "\n")
        }
        let transcript = ((try? store.attachment("transcript.ndjson", of: record.id)) ?? nil)
            ?? FileManager.default.contents(atPath: repository.transcriptPath(record.id))
        return RunReviewDetail(checksLogTail: tail, finalMessage: transcript.flatMap(finalMessage))
    }

    /// The agent's last words: Claude's final `result` text, else the last
    /// assistant text block (Claude) or agent message (Codex).
    static func finalMessage(_ transcript: Data) -> String? {
        var last: String?
        for line in transcript.split(separator: UInt8(ascii: "\n")).reversed() {
            guard let event = try? JSONSerialization.jsonObject(with: Data(line)) as? [String: Any] else { continue }
            if event["type"] as? String == "result", let text = event["result"] as? String, !text.isEmpty { return text }
            if last == nil, event["type"] as? String == "assistant",
               let content = (event["message"] as? [String: Any])?["content"] as? [[String: Any]],
               let text = content.compactMap({ $0["type"] as? String == "text" ? $0["text"] as? String : nil }).last {
                last = text
            }
            // Codex: `{"type":"item.completed","item":{"type":"agent_message","text":…}}`.
            if last == nil, event["type"] as? String == "item.completed", let item = event["item"] as? [String: Any],
               item["type"] as? String == "agent_message", let text = item["text"] as? String {
                last = text
            }
        }
        return last
    }
}
