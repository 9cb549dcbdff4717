import KanbotsCore
import KanbotsEnvironment
import KanbotsGit
import KanbotsRuns
import KanbotsStore
import KanbotsSystem

/// The merge queue (`git kanbots land --watch`, docs/review.md "The merge
/// queue"): ready runs land by themselves, in plan order, with the checks
/// run on the merged result; a run that no longer merges is redone on the
/// new base by a rebase run; a run whose checks fail on the merged result
/// gets one fix run. What needs judgement (high risk, out of scope, checks
/// failed, retries spent, no checks configured) waits in the inbox.
public struct LandingQueue {
    let repository: KanbotsRepository
    /// The autopilot session this queue lands for (`autopilot start --land`):
    /// its rebase and fix runs count against the session's budget, and every
    /// landing, rebase and give-up is an event on the session.
    let session: String?

    public init(_ repository: KanbotsRepository, session: String? = nil) {
        self.repository = repository
        self.session = session
    }

    public struct Policy: Sendable {
        /// Land runs even when no checks are configured (`--land=unchecked`):
        /// nothing then proves a merge, so it must be asked for on purpose.
        public var unchecked: Bool
        /// Rebase runs per card before it waits for a human (`kanbots.land.retries`).
        public var retries: Int

        public init(unchecked: Bool = false, retries: Int = LandingQueue.defaultRetries) {
            self.unchecked = unchecked
            self.retries = retries
        }
    }

    public static let retriesKey = "kanbots.land.retries"
    public static let defaultRetries = 2
    /// Record fields linking a redone run to the one it replaces.
    public static let rebaseOfKey = RunRecord.AttemptKey.rebaseOf
    public static let fixOfKey = RunRecord.AttemptKey.fixOf

    /// What a pass did, one event each.
    public enum Event: Sendable, Equatable {
        case landed(run: RunID, card: Int, into: String, commit: String)
        case rebased(run: RunID, by: RunID)
        case fixing(run: RunID, by: RunID)
        /// An attempt still running when another attempt of its card landed:
        /// stopped and superseded by it.
        case stopped(run: RunID, by: RunID)
        /// It waits for a human; `why` says what for.
        case waits(run: RunID, why: String)
    }

    /// `kanbots.land.retries`, default 2.
    public static func policy(_ settings: Settings, unchecked: Bool) throws -> Policy {
        guard let text = settings.string(retriesKey) else { return Policy(unchecked: unchecked) }
        guard let retries = Int(text), retries >= 0 else {
            throw KanbotsError.invalidArgument("git config \(retriesKey) is '\(text)'; set it to a number of rebase runs, like 2")
        }
        return Policy(unchecked: unchecked, retries: retries)
    }

    /// One pass: lands the first run the plan can land (the plan is made
    /// again after each landing, since the base moved), then starts the
    /// rebase runs the plan asks for. Call it holding the landing lock.
    public func pass(_ policy: Policy, progress: (String) -> Void = { _ in }) throws -> [Event] {
        let queue = try ReviewQueue.load(repository)
        let plan = try queue.plan(repository)
        let checks = RunChecks(repository: repository)
        var events: [Event] = []
        for step in plan.steps {
            let record = step.view.record
            if let why = try waitsForHuman(step, checks: checks, policy: policy) {
                events.append(.waits(run: record.id, why: why))
                continue
            }
            let outcome = try Lander(repository).land([step], check: !policy.unchecked, progress: progress)
            if let landed = outcome.landed.first {
                events.append(.landed(run: landed.run, card: landed.card, into: landed.merge.target,
                                      commit: landed.merge.commit.hex))
                events += landed.stopped.map { .stopped(run: $0, by: landed.run) }
                return events
            }
            if let stopped = outcome.stopped, let checks = stopped.checks {
                if let event = try fix(record, failure: checks.failedCommand ?? stopped.reason, log: stopped.log,
                                       in: queue.board) { events.append(event) }
            } else if let stopped = outcome.stopped {
                events.append(.waits(run: record.id, why: stopped.reason))
            }
        }
        // Failed on the merged result in an earlier pass (or a `land --check`): the
        // record says so and the plan holds it, so its checks are not run again.
        for held in plan.held {
            guard let failure = held.readiness?.failedOnMerge else { continue }
            let log = Lander.checksLog(of: held.view.record.id, in: repository)
            if let event = try fix(held.view.record, failure: failure, log: log, in: queue.board) {
                events.append(event)
            }
        }
        // One rebase run per card a pass: the board was read before it, and
        // another held attempt of the card would otherwise get one too.
        var rebasing = Set<Int>()
        for held in plan.held where held.action == .rebase && !rebasing.contains(held.view.record.card) {
            guard let event = try rebase(held, in: queue.board, policy: policy) else { continue }
            events.append(event)
            if case .rebased = event { rebasing.insert(held.view.record.card) }
        }
        return events
    }

    /// Why a run the plan could land must wait for a human, or nil.
    func waitsForHuman(_ step: LandingPlan.Step, checks: RunChecks, policy: Policy) throws -> String? {
        if step.readiness.risk == .high {
            return "high risk (\(step.readiness.riskReasons.prefix(2).joined(separator: ", "))): land it yourself"
        }
        if !policy.unchecked, try checks.commands(for: step.view.record).isEmpty {
            return "no checks configured, so nothing proves a merge: add `kanbots.check`, or --land=unchecked on purpose"
        }
        return nil
    }

    /// A new run of the card on the base's new tip, told what conflicted and
    /// what its predecessor changed, so its agent redoes the change on top.
    /// Nil when a rebase run of it exists already (an attempt of its card,
    /// which lands and supersedes it, or fails on its own), or while another
    /// attempt of its card is still running.
    func rebase(_ held: LandingPlan.Held, in board: Board, policy: Policy) throws -> Event? {
        let record = held.view.record
        if board.runs.contains(where: { $0.record.extraValue(Self.rebaseOfKey) == record.id.description }) { return nil }
        // Another attempt of the card still works on it, and may land instead: no redo yet.
        if board.runs.contains(where: { $0.record.card == record.card && $0.record.branch != record.branch
            && $0.record.state.isActive && !$0.isLost }) { return nil }
        if let spent = budgetSpent(in: board) { return .waits(run: record.id, why: spent) }
        let earlier = board.runs.filter { $0.record.card == record.card && $0.record.extraValue(Self.rebaseOfKey) != nil }
        guard earlier.count < policy.retries else {
            return .waits(run: record.id, why: "it still conflicts with its base after \(earlier.count) rebase runs; "
                                            + "redo it by hand or `git kanbots reply \(record.id)`")
        }
        let paths = held.readiness?.baseConflicts ?? []
        let context = """
            ## This card was done before, and no longer merges

            Run \(record.id) did this card on an older \(record.base), but \(record.base) has moved since \
            (other work landed) and the change now conflicts with it in: \(paths.joined(separator: ", ")). \
            Redo the change on top of the current \(record.base): keep what landed, and make the card's change \
            again. The earlier run's diff, for reference:

            ```diff
            \(previousDiff(of: held))
            ```
            """
        let run = try redo(record, on: record.base, link: Self.rebaseOfKey, context: context)
        return .rebased(run: record.id, by: run.id)
    }

    /// One fix run per card for checks that fail on the merged result, on
    /// the run's branch, with the tail of the checks' output (`log`) in its
    /// prompt. Nil while the card's fix run works: it lands (superseding
    /// this run) or ends, and then this run waits for a human.
    func fix(_ record: RunRecord, failure: String, log: String?, in board: Board) throws -> Event? {
        let fixes = board.runs.filter { $0.record.card == record.card && $0.record.extraValue(Self.fixOfKey) != nil }
        if fixes.contains(where: { $0.record.state.isActive && !$0.isLost }) { return nil }
        if let earlier = fixes.last {
            let whose = earlier.record.extraValue(Self.fixOfKey) == record.id.description
                ? "its fix run" : "card #\(record.card)'s fix run \(earlier.record.id)"
            return .waits(run: record.id, why: "its checks fail on the merged result (\(failure)), and \(whose) did not help; "
                                            + "`git kanbots reply \(record.id)` with what to fix")
        }
        if let spent = budgetSpent(in: board) { return .waits(run: record.id, why: spent) }
        let tail = log.map { RecordedCommands.lastLines(of: $0, count: 40).joined(separator: "\n") } ?? ""
        let context = """
            ## The checks fail on the merged result

            Run \(record.id)'s work merges into \(record.base), but the checks fail on the merge (\(failure)). \
            Fix it on this branch. The end of the checks' output:

            ```
            \(tail)
            ```
            """
        let run = try redo(record, on: record.branch, link: Self.fixOfKey, context: context)
        return .fixing(run: record.id, by: run.id)
    }

    /// A new run of `record`'s card with its agent, model, cap and persona,
    /// on `base`, linked back by the field `link`, told `context`.
    func redo(_ record: RunRecord, on base: String, link: String, context: String) throws -> RunRecord {
        var request = DispatchRequest(card: record.card, agent: record.agent, model: record.model, base: base,
                                      capUSD: record.capUSD, persona: record.persona)
        request.fields = sessionFields.merging([link: record.id.description]) { _, own in own }
        request.promptContext = context
        return try Dispatcher(repository).dispatch(request)
    }

    /// A session's queue ends with the session: stopped, and none of its
    /// runs (rebase and fix runs included) still working.
    func sessionIsOver() -> Bool {
        guard let session, let current = try? SessionStore(repository).session(session), !current.state.isActive,
              let board = try? BoardLoader(repository).load().board else { return false }
        return !board.runs.contains {
            $0.record.extraValue(AutopilotSession.runField) == session && $0.record.state.isActive && !$0.isLost
        }
    }

    /// Why no new run may start for the session: its live spend (its
    /// runs' recorded and metered cost, as the orchestrator counts it)
    /// reached its budget. Nil outside a session or with budget left.
    func budgetSpent(in board: Board) -> String? {
        guard let session, let current = try? SessionStore(repository).session(session) else { return nil }
        let spent = board.runs.filter { $0.record.extraValue(AutopilotSession.runField) == session }
            .reduce(0) { $0 + $1.costUSD }
        guard spent >= current.budgetUSD else { return nil }
        return "the session's budget is spent (\(String(printf: "$%.2f of $%.2f", spent, current.budgetUSD))); redo it by hand"
    }

    var sessionFields: [String: String] { session.map { [AutopilotSession.runField: $0] } ?? [:] }

    /// Writes what a pass did on the session's ref (`git log refs/kanbots/sessions/ID`).
    func record(_ events: [Event]) {
        let notifier = Notifier(repository)
        for event in events {
            switch event {
            case .landed(let run, let card, _, _): notifier.send(.landed, run: run, card: card, text: Self.summary(event))
            case .waits(let run, _): notifier.send(.needsHuman, run: run, session: session, text: Self.summary(event))
            case .rebased, .fixing, .stopped: break
            }
        }
        guard let session else { return }
        let store = SessionStore(repository)
        for event in events {
            _ = try? store.update(session, event: Self.summary(event)) { _ in true }
        }
    }

    /// One line per event, as the session's log and `land --watch` say it.
    public static func summary(_ event: Event) -> String {
        switch event {
        case .landed(let run, let card, let into, let commit):
            "landed run \(run) (card #\(card)) into \(into) at \(commit.prefix(10))"
        case .rebased(let run, let by):
            "run \(run) no longer merges: rebase run \(by) redoes it on the new base"
        case .fixing(let run, let by):
            "run \(run)'s checks fail on the merged result: fix run \(by) started"
        case .stopped(let run, let by):
            "run \(run) stopped and superseded: run \(by), another attempt of its card, landed"
        case .waits(let run, let why):
            "run \(run) waits for you: \(why)"
        }
    }

    /// The run's own change (merge base to tip), cut to 20 KB for a prompt.
    func previousDiff(of held: LandingPlan.Held) -> String {
        guard let readiness = held.readiness, let git = ProcessLauncher.locate("git"),
              let result = try? ProcessLauncher.run(git, arguments: ["diff", "--no-color", readiness.mergeBase, readiness.tip],
                                                     in: repository.workingDirectory),
              result.succeeded else { return "(not available)" }
        let text = String(decoding: result.output, as: UTF8.self)
        return text.count > 20_000 ? String(text.prefix(20_000)) + "\n… (cut)" : text
    }
}

extension LandingQueue {
    /// Passes until `shouldStop` (or `maxPasses`, or, for a session's
    /// queue, until the session has ended and nothing of it is left to
    /// land): at once again after a pass that changed something, else after
    /// `interval`. Another `land` holding the landing lock only delays a
    /// pass. A crash (even `kill -9`) mid-landing leaves the base at the
    /// last run that fully landed, and a new watch goes on.
    public func watch(_ policy: Policy, interval: TimeInterval, maxPasses: Int? = nil, shouldStop: () -> Bool,
                      progress: (String) -> Void = { _ in }, onEvents: ([Event]) -> Void) throws {
        var reported: [RunID: String] = [:]
        var idle = 0, passes = 0
        while !shouldStop(), passes < maxPasses ?? .max, !(idle >= 2 && sessionIsOver()) {
            passes += 1
            guard let events = try Lander.ifLandingLockFree(repository, { try pass(policy, progress: progress) }) else {
                sleepThread(seconds: interval)
                continue
            }
            // A run that waits is said once, not every pass, until why it waits changes.
            let fresh = events.filter { event in
                guard case .waits(let run, let why) = event else { return true }
                defer { reported[run] = why }
                return reported[run] != why
            }
            if !fresh.isEmpty {
                record(fresh)
                onEvents(fresh)
            }
            let moved = events.contains { if case .waits = $0 { false } else { true } }
            idle = moved ? 0 : idle + 1
            if !moved { sleepThread(seconds: interval) }
        }
    }
}
