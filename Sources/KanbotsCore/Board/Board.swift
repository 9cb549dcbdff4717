/// The board's columns, in display order.
public enum Column: String, Sendable, CaseIterable, Codable {
    case backlog
    case todo
    case inProgress = "in_progress"
    case inReview = "in_review"
    case done

    public var title: String {
        switch self {
        case .backlog: "Backlog"
        case .todo: "Todo"
        case .inProgress: "In progress"
        case .inReview: "In review"
        case .done: "Done"
        }
    }
}

/// Whether the process supervising a run is alive, as observed right now.
public enum Liveness: String, Sendable, Codable {
    /// Its lock is held: the supervisor is running.
    case alive
    /// Its lock is free: the supervisor is gone, whatever the record says.
    case gone
    /// The run is supervised on another machine; only its record is known.
    case elsewhere
}

/// What the git repository and the process table say about a run now.
public struct RunObservation: Sendable, Equatable {
    /// The run's branch tip, or nil when the branch no longer exists.
    public var branchTip: String?
    /// Commits on the branch not on the base's current tip, and the reverse.
    public var ahead: Int?
    public var behind: Int?
    public var supervisor: Liveness
    /// The supervisor's live figures, for runs it is still watching.
    public var live: LiveStatus?
    /// For a run whose supervisor is gone: whether its agent still runs.
    public var agentAlive = false
    /// The run was dispatched in another clone and came here by `sync`: its
    /// branch and supervisor live there, so only its record speaks for it.
    public var fromOtherClone = false
    /// The run's branch exists but its record is missing or unreadable: the
    /// record was rebuilt from the branch, and the run shows as `orphaned`.
    public var isOrphaned = false

    public init(branchTip: String?, ahead: Int?, behind: Int?, supervisor: Liveness, live: LiveStatus? = nil) {
        self.branchTip = branchTip
        self.ahead = ahead
        self.behind = behind
        self.supervisor = supervisor
        self.live = live
    }
}

/// A run as the board shows it: its record, what was observed, and what
/// follows from both.
public struct RunView: Sendable, Equatable {
    public var record: RunRecord
    public var observation: RunObservation
    /// The state to show: the recorded one, or `lost` for an active run whose
    /// supervisor is gone.
    public var displayState: String
    public var displayReason: String?
    public var column: Column
    public var note: String?

    public var isLost: Bool { displayState == "lost" }

    /// The display state of a run known only from its branch.
    public static let orphanedState = "orphaned"

    /// Cost so far: the supervisor's live meter while it runs, the recorded
    /// figure once the run has ended.
    public var costUSD: Double {
        record.state.isActive ? max(record.costUSD, observation.live?.costUSD ?? 0) : record.costUSD
    }
}

/// A card on the board with the run that decides its column.
public struct BoardCard: Sendable, Equatable {
    public var number: Int
    public var card: Card?
    public var column: Column
    public var latestRun: RunView?
    public var runCount: Int
    public var totalCostUSD: Double
    public var note: String?
    /// Cards this one depends on (`card edit --after`) that are not Done yet.
    public var waitsFor: [Int] = []
}

public struct Board: Sendable, Equatable {
    public var cards: [BoardCard]
    public var runs: [RunView]
    /// Runs left out of `runs` because nothing but a new ref tip can change
    /// how they show (see `SettledRun`); empty unless the loader was asked
    /// to summarise them. `runs` still holds every card's latest run.
    public var settled: [SettledRun] = []

    public func cards(in column: Column) -> [BoardCard] { cards.filter { $0.column == column } }
}

/// Status is derived, never stored: this pure function is the only place
/// that decides a column (design invariant 2).
public enum BoardProjection {
    public static func view(of record: RunRecord, observed observation: RunObservation) -> RunView {
        var view = RunView(
            record: record, observation: observation, displayState: record.state.rawValue,
            displayReason: record.reason, column: .todo, note: nil)
        if observation.isOrphaned {
            // Its branch holds work nobody can see otherwise: keep it in review.
            view.displayState = RunView.orphanedState
            view.displayReason = nil
            view.column = .inReview
            view.note = "its run record is missing or unreadable; `git kanbots fsck --repair` rebuilds it"
            return view
        }
        switch record.state {
        case .awaitingDecision where observation.supervisor == .gone && record.openQuestion != nil:
            // An open question survives its supervisor: answering it continues
            // the agent (re-attached, or resumed from its session).
            view.column = .inProgress
            view.note = "supervisor is gone; `git kanbots answer \(record.id)` continues the run"
        case .queued, .running, .awaitingDecision:
            if observation.supervisor == .gone {
                view.displayState = "lost"
                view.displayReason = Reason.supervisorLost
                view.note = observation.agentAlive
                    ? "supervisor is gone but the agent still runs; `git kanbots reconcile` re-attaches, `git kanbots stop` ends it"
                    : "supervisor is gone; `git kanbots reconcile` records it"
            } else {
                view.column = .inProgress
                if observation.supervisor == .elsewhere {
                    view.note = observation.fromOtherClone
                        ? "supervised in clone \(record.id.clone) on \(record.host)" : "supervised on \(record.host)"
                }
                switch observation.live?.phase {
                case .checking:
                    view.displayReason = Reason.checking
                    view.note = "checking: the agent is done, its checks are running"
                case .settingUp:
                    view.displayReason = Reason.settingUp
                    view.note = "setting up: the run's environment is being prepared; the agent starts after it"
                case nil:
                    break
                }
                if let limit = observation.live?.rateLimit {
                    view.displayReason = Reason.rateLimited
                    view.note = "rate limited (\(limit.errorStatus.map(String.init) ?? "429")), attempt \(limit.attempt)"
                        + (limit.maxRetries.map { "/\($0)" } ?? "") + ", retry at \(Timestamp.format(limit.retryAt))"
                }
            }
        case .completed:
            guard let tip = observation.branchTip else {
                if observation.fromOtherClone {
                    // Its branch is in the clone that ran it (branches travel only by promotion).
                    view.column = record.reason == Reason.noDiff ? .todo : .inReview
                    view.note = record.reason == Reason.noDiff
                        ? "completed with no changes" : "branch is in clone \(record.id.clone) on \(record.host)"
                } else {
                    view.note = "branch deleted"
                }
                break
            }
            if (observation.ahead ?? 0) > 0 {
                view.column = .inReview
            } else if tip != record.baseCommit {
                view.column = .done
                view.note = "merged into \(record.base)"
            } else {
                view.note = "completed with no changes"
            }
        case .failed, .cancelled:
            view.note = record.reason.map { "\(record.state.rawValue): \($0)" } ?? record.state.rawValue
        case .discarded:
            view.note = "discarded"
        case .promoted:
            view.column = .inReview
            view.note = record.pullRequestNumber.map { "pull request #\($0)" }
        case .merged:
            view.column = .done
            view.note = record.mergedInto.map { "merged into \($0)" }
        case .superseded:
            // Its card's work landed through another attempt: the card is
            // done, and this attempt is not waiting for a review.
            view.column = .done
            view.note = "superseded" + (record.supersededBy.map { " by run \($0), which landed" } ?? "")
        }
        return view
    }

    /// Builds the board: one entry per card (and per card number that only
    /// runs mention), placed by its latest run.
    ///
    /// `settled` runs count towards their card's runs and cost; each card's
    /// latest run must be among `runs`.
    public static func board(
        cards: [Card], runs: [(RunRecord, RunObservation)], settled: [SettledRun] = []
    ) -> Board {
        let views = runs.map { view(of: $0.0, observed: $0.1) }
            .sorted { ($0.record.createdAt, $0.record.id) < ($1.record.createdAt, $1.record.id) }
        let runsByCard = Dictionary(grouping: views, by: \.record.card)
        let settledByCard = Dictionary(grouping: settled, by: \.card)
        let cardsByNumber = Dictionary(cards.map { ($0.number, $0) }, uniquingKeysWith: { first, _ in first })
        let numbers = Set(cards.map(\.number)).union(runsByCard.keys).union(settledByCard.keys).sorted()
        let entries = numbers.map { number -> BoardCard in
            let card = cardsByNumber[number]
            let cardRuns = runsByCard[number] ?? []
            let latest = cardRuns.last
            var column = latest?.column ?? (card?.lane == .backlog ? .backlog : .todo)
            var note = latest?.note
            if card?.state == .closed {
                column = .done
                note = "closed"
            }
            let cardSettled = settledByCard[number] ?? []
            return BoardCard(
                number: number, card: card, column: column, latestRun: latest,
                runCount: cardRuns.count + cardSettled.count,
                totalCostUSD: SettledRun.totalCost(cardRuns, cardSettled), note: note)
        }
        let columns = Dictionary(entries.map { ($0.number, $0.column) }, uniquingKeysWith: { first, _ in first })
        let waiting = entries.map { entry -> BoardCard in
            var entry = entry
            entry.waitsFor = (entry.card?.after ?? []).filter { columns[$0] != .done }
            return entry
        }
        return Board(cards: waiting, runs: views, settled: settled.sorted { ($0.createdAt, $0.id) < ($1.createdAt, $1.id) })
    }
}

func < (lhs: (Date, RunID), rhs: (Date, RunID)) -> Bool {
    lhs.0 != rhs.0 ? lhs.0 < rhs.0 : lhs.1 < rhs.1
}
