import KanbotsCore
import KanbotsRuns

/// A session's runs as the board sees them, and the figures that drive it.
/// Pure: computed from a board snapshot, so `autopilot status`, `board` and
/// the orchestrator agree.
public struct SessionTally: Sendable {
    public var runs: [RunView]
    /// Live spend: finished runs' recorded cost plus running runs' meters.
    public var spentUSD: Double
    /// Runs still going (recorded active and not lost without an agent).
    public var active: [RunView]
    public var completed: Int
    public var failed: Int
    public var awaitingDecision: Int
    /// Failed runs at the end of the session's history, newest last.
    public var trailingFailures: Int

    public init(session id: String, board: Board) {
        runs = board.runs.filter { $0.record.extraValue(AutopilotSession.runField) == id }
        spentUSD = runs.reduce(0) { $0 + $1.costUSD }
        active = runs.filter { $0.record.state.isActive && (!$0.isLost || $0.observation.agentAlive) }
        completed = runs.filter { [.completed, .promoted, .merged].contains($0.record.state) }.count
        failed = runs.filter { $0.record.state == .failed }.count
        awaitingDecision = runs.filter { $0.record.state == .awaitingDecision }.count
        let finished = runs.filter { $0.record.state.isFinished && $0.record.state != .discarded }
            .sorted { ($0.record.endedAt ?? $0.record.updatedAt) < ($1.record.endedAt ?? $1.record.updatedAt) }
        trailingFailures = finished.reversed().prefix { $0.record.state == .failed }.count
    }

    /// Runs that take a slot: a run waiting for a human's decision costs
    /// nothing meanwhile, so it does not keep another card from starting.
    public var occupyingSlots: Int { active.filter { $0.record.state != .awaitingDecision }.count }

    /// Active runs whose supervisor reports a rate limit right now.
    public var rateLimited: [RunView] { active.filter { $0.observation.live?.rateLimit != nil } }

    /// Active runs the meter has no cost reading for yet: their spend is
    /// unknown, so nothing more is dispatched until they report one (or
    /// `wait` passes, for an agent that stays silent).
    public func unmetered(now: Date, wait: TimeInterval) -> [RunView] {
        active.filter { $0.costUSD == 0 && now.timeIntervalSince($0.record.createdAt) < wait }
    }
}

/// One dispatch the orchestrator wants to make.
public struct WorkItem: Sendable, Equatable {
    public var card: Int
    public var persona: String
    /// A reviewer starts from the engineer's branch.
    public var base: String?
    public var reviewOf: RunID?
    /// The agent and model of this attempt (`--agent a,b` taken in turn); nil: the default.
    public var agent: String?
    public var model: String?
    /// Which attempt of its card (from 0): a later one joins attempts already started.
    public var attempt = 0
    /// Extra fields for the run's record.
    public var fields: [String: String] = [:]
}

extension AutopilotSession {
    /// How many attempts each card gets (`--attempts`), and their agents and models.
    public var attemptPlan: AttemptPlan {
        (try? AttemptPlan(count: attempts, agents: agent, models: model)) ?? AttemptPlan(agent: agent, model: model)
    }
}

/// Chooses the next dispatch: reviews of finished engineer work first (they
/// close loops), then Todo cards in the user's rank order.
public enum Planner {
    public static let reviewer = "reviewer"

    public static func next(session: AutopilotSession, board: Board, tally: SessionTally,
                            skipping skipped: Set<Int> = []) -> WorkItem? {
        let plan = session.attemptPlan
        if session.personas.contains(reviewer), var review = nextReview(tally: tally) {
            (review.agent, review.model) = (plan.agent(0), plan.model(0))
            return review
        }
        // A card's attempts start together, before the next card: they are one piece of work.
        if let attempt = nextAttempt(board: board, tally: tally, plan: plan, skipping: skipped) { return attempt }
        let busyScopes = activeScopes(board: board)
        guard let entry = untakenCards(session: session, board: board, tally: tally, skipping: skipped).first(where: { entry in
            !busyScopes.contains { Scope.overlaps($0, entry.card?.scope ?? []) }
        }) else { return nil }
        let cardRuns = tally.runs.filter { $0.record.extraValue(AutopilotSession.reviewOfField) == nil }
        let personas = cardPersonas(session.personas)
        return WorkItem(card: entry.number, persona: personas[cardRuns.count % personas.count], base: nil, reviewOf: nil,
                        agent: plan.agent(0), model: plan.model(0))
    }

    /// The next attempt of a card the session has started with fewer
    /// attempts than `--attempts` asks for, while none of them has landed.
    /// Rebase, fix and reviewer runs are not attempts asked for. Its scope
    /// is not checked again: attempts are alternatives of one change, and the
    /// first one already holds the scope.
    static func nextAttempt(board: Board, tally: SessionTally, plan: AttemptPlan, skipping skipped: Set<Int>) -> WorkItem? {
        guard plan.count > 1 else { return nil }
        let open = Set(board.cards.filter { $0.card?.state != .closed && $0.column != .done }.map(\.number))
        let asked = tally.runs.filter { run in
            [AutopilotSession.reviewOfField, RunRecord.AttemptKey.rebaseOf, RunRecord.AttemptKey.fixOf]
                .allSatisfy { run.record.extraValue($0) == nil }
                && run.record.reason != Reason.dispatchInterrupted
        }
        let landed = Set(board.runs.filter { [.merged, .superseded].contains($0.record.state) }.map(\.record.card))
        var seen: Set<Int> = []
        for first in asked where seen.insert(first.record.card).inserted {
            let card = first.record.card
            guard open.contains(card), !landed.contains(card), !skipped.contains(card) else { continue }
            let started = asked.filter { $0.record.card == card }.count
            guard started < plan.count else { continue }
            return WorkItem(card: card, persona: first.record.persona ?? Prompt.defaultPersona, base: nil, reviewOf: nil,
                            agent: plan.agent(started), model: plan.model(started), attempt: started)
        }
        return nil
    }

    /// Eligible cards this session has not run yet, in rank order.
    static func untakenCards(session: AutopilotSession, board: Board, tally: SessionTally,
                             skipping skipped: Set<Int>) -> [BoardCard] {
        let cardRuns = tally.runs.filter { $0.record.extraValue(AutopilotSession.reviewOfField) == nil }
        // A dispatch cut short (the orchestrator killed between claiming the
        // run and starting its supervisor) never ran: its card may go again.
        let taken = Set(cardRuns.filter { $0.record.reason != Reason.dispatchInterrupted }.map(\.record.card))
            .union(skipped)
        return eligibleCards(session: session, board: board).filter { !taken.contains($0.number) }
    }

    /// The first card that would go next but waits because its scope
    /// overlaps an active run's (nil when none waits for that reason).
    public static func waitingForScope(session: AutopilotSession, board: Board, tally: SessionTally,
                                       skipping skipped: Set<Int> = []) -> Int? {
        let busyScopes = activeScopes(board: board)
        return untakenCards(session: session, board: board, tally: tally, skipping: skipped).first { entry in
            busyScopes.contains { Scope.overlaps($0, entry.card?.scope ?? []) }
        }?.number
    }

    /// The declared scopes of the cards whose runs are active now, in this
    /// session or not: a card whose scope overlaps one of them waits, so
    /// overlapping work runs one after the other, not side by side.
    static func activeScopes(board: Board) -> [[String]] {
        let scopes = Dictionary(board.cards.map { ($0.number, $0.card?.scope ?? []) }, uniquingKeysWith: { first, _ in first })
        return board.runs.filter { $0.record.state.isActive && (!$0.isLost || $0.observation.agentAlive) }
            .compactMap { scopes[$0.record.card] }.filter { !$0.isEmpty }
    }

    /// Personas that take cards in turn; the reviewer follows engineers instead.
    public static func cardPersonas(_ personas: [String]) -> [String] {
        let taking = personas.filter { $0 != reviewer }
        return taking.isEmpty ? [Prompt.defaultPersona] : taking
    }

    static func nextReview(tally: SessionTally) -> WorkItem? {
        let reviewed = Set(tally.runs.compactMap { $0.record.extraValue(AutopilotSession.reviewOfField) })
        return tally.runs.first { run in
            (run.record.persona ?? Prompt.defaultPersona) == Prompt.defaultPersona
                && run.record.extraValue(AutopilotSession.reviewOfField) == nil
                && run.record.state == .completed && (run.observation.ahead ?? 0) > 0
                && !reviewed.contains(run.record.id.description)
        }.map { WorkItem(card: $0.record.card, persona: reviewer, base: $0.record.branch, reviewOf: $0.record.id) }
    }

    /// Open Todo cards the session may take, whose dependencies are met, in
    /// rank order (unranked after ranked, by number).
    public static func eligibleCards(session: AutopilotSession, board: Board) -> [BoardCard] {
        let columns = Dictionary(board.cards.map { ($0.number, $0.column) }, uniquingKeysWith: { first, _ in first })
        return board.cards.filter { entry in
            guard let card = entry.card, card.state == .open, entry.column == .todo else { return false }
            if let allowed = session.cards, !allowed.contains(entry.number) { return false }
            return card.after.allSatisfy { dependency in
                columns[dependency] == .done || (session.afterInReview && columns[dependency] == .inReview)
            }
        }.sorted { ($0.card?.rank ?? Int.max, $0.number) < ($1.card?.rank ?? Int.max, $1.number) }
    }
}

