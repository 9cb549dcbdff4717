import Foundation
import KanbotsCore
import KanbotsGit
import KanbotsRuns
import KanbotsStore

/// Starting, stopping and discarding runs: the use cases behind `dispatch`,
/// `stop` and `discard`, with the same checks and errors wherever they are
/// called from.
public struct RunActions {
    public let repository: KanbotsRepository

    public init(_ repository: KanbotsRepository) { self.repository = repository }

    /// How long a stop waits for each run to end unless told otherwise.
    public static let defaultStopTimeout = Stopper.defaultTimeout

    // MARK: Dispatch

    public struct Dispatched {
        public var record: RunRecord
        public var mirrored: GitHubCards.Mirrored
    }

    /// `--decide-after` as typed (90s, 10m, 2h) in seconds.
    public static func decideAfterSeconds(_ text: String?) throws -> TimeInterval? {
        try text.map { text in
            guard let seconds = DurationText.seconds(text) else {
                throw KanbotsError.invalidArgument("--decide-after '\(text)' is not a duration (examples: 90s, 10m, 2h)")
            }
            return seconds
        }
    }

    /// `--max-time` as typed: a duration or `none`; nil when not given.
    public static func maxTime(_ text: String?) throws -> MaxTime? {
        try text.map { text in
            guard let value = MaxTime(text) else {
                throw KanbotsError.invalidArgument("--max-time '\(text)' is not a duration (examples: 30m, 2h, 90s, none)")
            }
            return value
        }
    }

    /// Dispatches a card. With `kanbots.source = github` the number is an
    /// issue's, imported as a card first (docs/github.md).
    public func dispatch(_ input: DispatchInput) throws -> Dispatched {
        try Self.checkCap(input.capUSD)
        var request = input.request
        if Settings(repository).string(Settings.Key.source) == "github" {
            request.card = try GitHubCards(repository: repository, connection: GitHubConnection(repository))
                .card(forIssue: request.card).number
        }
        let record = try Dispatcher(repository).dispatch(request)
        return Dispatched(record: record, mirrored: GitHubCards.mirrorAfterChange(in: repository, cards: [record.card]))
    }

    // MARK: Stop

    public enum Stopped {
        /// The run had ended before it was asked to stop.
        case alreadyEnded(RunRecord)
        /// The run's record after it was stopped.
        case stopped(RunRecord)
    }

    /// The active runs of this repository on this machine, and this clone's
    /// runs in an engine's jobs: what `stop --all` stops.
    public func activeRunsOnThisHost() throws -> [RunID] {
        let clone = try Settings(repository).cloneTag()
        return try RunIndex(repository).records().records.filter {
            $0.state.isActive && ($0.host == KanbotsRepository.hostName || ($0.executor.isRemote && $0.id.clone == clone))
        }.map(\.id)
    }

    /// Asks each run's supervisor to end the agent's process group and
    /// record the run cancelled (the kill switch), waiting up to `timeout`
    /// seconds for each.
    public func stop(_ ids: [RunID], timeout: TimeInterval) throws -> (results: [Stopped], mirrored: GitHubCards.Mirrored) {
        let store = RunStore(repository)
        var results: [Stopped] = []
        for id in ids {
            let record = try store.record(id)
            guard record.state.isActive else {
                results.append(.alreadyEnded(record))
                continue
            }
            results.append(.stopped(try Stopper(repository: repository).stop(record, timeout: timeout)))
        }
        let cards = ids.compactMap { try? store.record($0).card }
        return (results, GitHubCards.mirrorAfterChange(in: repository, cards: Set(cards)))
    }

    // MARK: Discard

    public struct Discarded {
        public var record: RunRecord
        /// True when the run had been discarded before: nothing was done.
        public var already: Bool
        /// Where the branch was, so the work can be brought back.
        public var branchTip: ObjectID?
    }

    /// Removes a finished run's worktree and branch and records it discarded;
    /// its history stays.
    public func discard(_ id: RunID) throws -> Discarded {
        let view = try runView(id, in: repository)
        let record = view.record
        if record.state.isActive, !view.isLost {
            throw KanbotsError.runNotFinished(id.description, state: record.state.rawValue)
        }
        if record.state == .discarded { return Discarded(record: record, already: true, branchTip: nil) }
        let tip = try repository.git.referenceTarget("refs/heads/" + record.branch)
        try Worktrees(repository).remove(
            name: record.worktreeRegistration, branch: record.branch, folder: record.worktree)
        let updated = try RunStore(repository).update(id) { current in
            current.state = .discarded
            current.reason = tip.map { "branch was at \($0.hex)" }
            if current.endedAt == nil { current.endedAt = Date() }
            return true
        }
        return Discarded(record: updated, already: false, branchTip: tip)
    }
}
