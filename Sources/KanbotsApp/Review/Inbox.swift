import Foundation
import KanbotsAutopilot
import KanbotsCore
import KanbotsReview
import KanbotsStore

/// Everything that waits for a human, in one place (`git kanbots inbox`,
/// docs/review.md "The inbox"): questions agents asked, runs that only a
/// human can land or fix, failed runs, autopilot sessions that ran out of
/// budget. Derived from the board each time, so it cannot drift: an item
/// goes away when what it asks for is done. Empty means nothing needs you.
public struct Inbox {
    public enum Kind: String, Sendable, CaseIterable, Encodable {
        case decision
        /// In review, and landing it needs a human: it is ready (nothing lands
        /// by itself yet), high risk, out of scope, its checks failed (on its
        /// branch or on the merged result), or it conflicts with its base.
        case needsHuman = "needs_human"
        case failed
        case budgetReached = "budget_reached"
    }

    /// One item; also what `inbox --json` and `GET /api/inbox` print, field for
    /// field (docs/json.md): the run as its id text, absent fields left out.
    public struct Item: Sendable, Encodable {
        public var kind: Kind
        public var run: RunID?
        public var card: Int?
        public var session: String?
        /// What it is about: the card's title, or the session.
        public var subject: String
        /// Why it waits, one line.
        public var why: String
        /// The command that deals with it.
        public var next: String
        public var since: Date
    }

    public let items: [Item]

    /// The inbox of a board (with review's verdicts for runs In review);
    /// `checked` says whether `land` should run checks (some are configured).
    public init(board: Board, readiness: [RunID: Readiness], sessions: [SessionSummary], checked: Bool = true) {
        var items: [Item] = []
        let inReview = Dictionary(grouping: board.runs.filter { $0.column == .inReview }, by: \.record.card)
        for entry in board.cards where entry.card?.state != .closed {
            guard var run = entry.latestRun else { continue }
            // A later attempt that changed nothing (a fix run that found
            // nothing to fix) does not hide an earlier one still In review.
            if run.column != .inReview, [.completed, .cancelled].contains(run.record.state),
               let waiting = inReview[entry.number]?.last {
                run = waiting
            }
            // Of several attempts In review, name the one `land` takes.
            if run.column == .inReview, let attempts = inReview[entry.number], attempts.count > 1,
               let landing = Self.attemptThatLands(attempts, readiness: readiness) {
                run = landing
            }
            let record = run.record
            let subject = entry.card?.title ?? "card #\(entry.number)"
            func item(_ kind: Kind, _ why: String, _ next: String) {
                items.append(Item(kind: kind, run: record.id, card: record.card, subject: subject, why: why, next: next,
                                  since: record.endedAt ?? record.updatedAt))
            }
            if record.state == .awaitingDecision, let question = record.openQuestion {
                item(.decision, "asks: \(question.text)", "git kanbots answer \(record.id) [N|TEXT]")
            } else if record.state == .failed {
                item(.failed, record.reason ?? "failed", "git kanbots show \(record.id)")
            } else if run.column == .inReview, let verdict = readiness[record.id] {
                let (why, next) = Self.landing(verdict, run: record.id, checked: checked)
                item(.needsHuman, why, next)
            }
        }
        for summary in sessions where summary.session.stopReason?.hasPrefix("budget_reached") == true
            && summary.displayState == "stopped" {
            let session = summary.session
            items.append(Item(kind: .budgetReached, session: session.id, subject: "autopilot \(session.id)",
                              why: "spent its budget of \(String(format: "$%.2f", session.budgetUSD))",
                              next: "git kanbots autopilot status \(session.id)", since: session.updatedAt))
        }
        self.items = items.sorted { $0.since < $1.since }
    }

    /// The attempt the landing plan takes: the first, in review order, that
    /// can land (LandingPlanner takes the same one unless its simulated
    /// merge holds it back, which this cheap reading does not simulate).
    static func attemptThatLands(_ attempts: [RunView], readiness: [RunID: Readiness]) -> RunView? {
        attempts.compactMap { view in readiness[view.record.id].map { (view: view, readiness: $0) } }
            .filter { LandingPlanner.isLandable($0.readiness.verdict) }
            .min { Readiness.queueOrder($0.readiness, $1.readiness, lhsCreated: $0.view.record.createdAt,
                                        rhsCreated: $1.view.record.createdAt) }?.view
    }

    /// Why a run In review waits for a human, and what to type.
    static func landing(_ readiness: Readiness, run: RunID, checked: Bool) -> (why: String, next: String) {
        switch readiness.verdict {
        case .checksFailed:
            if let command = readiness.failedOnMerge {
                // Only the merge may fail (its branch can pass): say which, or it reads as a flake.
                return ("its checks failed on the merged result (\(command))",
                        "git kanbots reply \(run) \"The checks fail once this is merged into the base: make them pass there.\"")
            }
            return ("its checks failed", "git kanbots log \(run) --checks")
        case .outOfScope:
            return ("it wrote outside its card's scope: \(readiness.outOfScope.prefix(3).joined(separator: ", "))",
                    "git kanbots review \(run)")
        case .conflictsWithBase:
            return ("it conflicts with its base in \(readiness.baseConflicts.prefix(3).joined(separator: ", "))",
                    "git kanbots reply \(run) \"Rebase onto the base and resolve the conflict.\"")
        case .conflicts:
            return ("it conflicts with other runs in review; land one first", "git kanbots land --plan")
        case .behind, .ready:
            if readiness.risk == .high {
                return ("high risk (\(readiness.riskReasons.prefix(2).joined(separator: ", "))): land it yourself",
                        "git kanbots review \(run)")
            }
            return ("ready to land", "git kanbots land \(run)" + (checked ? " --check" : ""))
        }
    }
}

extension Inbox {
    /// The inbox of this repository, from the reconciled board.
    public static func load(_ repository: KanbotsRepository) throws -> Inbox {
        let result = try BoardQuery(repository).load()
        return Inbox(board: result.board, readiness: result.readiness, sessions: result.sessions,
                     checked: !Settings(repository).checkCommands.isEmpty)
    }
}
