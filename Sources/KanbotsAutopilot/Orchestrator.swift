import KanbotsCore
import KanbotsGit
import KanbotsRuns
import KanbotsStore
import KanbotsSystem

/// The signal that asked the orchestrator to stop, set from a signal handler.
nonisolated(unsafe) private var receivedStopSignal: Int32 = 0

/// Keeps a session's slots busy: each poll it reads the board, meters the
/// session's live spend, and dispatches the next work item through the same
/// `Dispatcher` as `git kanbots dispatch` while there is budget, a free slot
/// and nothing to hold for. It runs as its own detached process holding the
/// session's lock; every decision is an event on the session's ref.
public final class Orchestrator {
    let repository: KanbotsRepository
    let id: String
    let lock: FileLock
    let store: SessionStore
    public var options: OrchestratorOptions
    /// Rate-limit back-off: current length and when the hold ends.
    var backoff: TimeInterval = 0
    var holdUntil: Date?
    var holding: String?
    /// Cards whose dispatch failed before a run existed: not retried this process.
    var unstartable: Set<Int> = []
    var polls = 0
    var lastRemoteSync: Date?

    public init(repository: KanbotsRepository, id: String, lock: FileLock, options: OrchestratorOptions) {
        self.repository = repository
        self.id = id
        self.lock = lock
        self.options = options
        store = SessionStore(repository)
    }

    /// A new session with no controlling tty, surviving the terminal; SIGTERM
    /// and SIGINT ask for a clean stop.
    public static func detach() {
        _ = setsid()
        signal(SIGHUP, SIG_IGN)
        signal(SIGPIPE, SIG_IGN)
        let handler: @convention(c) (Int32) -> Void = { receivedStopSignal = $0 }
        signal(SIGTERM, handler)
        signal(SIGINT, handler)
    }

    /// Whether SIGTERM or SIGINT asked this orchestrator to stop.
    var stopRequested: Bool { receivedStopSignal != 0 }

    public func run() throws {
        // A process that lives for hours keeps little: libgit2's caches are capped
        // and freed heap is handed back after each poll (docs/autopilot.md, Performance).
        Repository.limitMemory(cacheBytes: 2 << 20, mappedPackBytes: 8 << 20)
        try store.update(id, event: "orchestrator \(getpid()) started on \(KanbotsRepository.hostName)") { session in
            session.orchestratorPID = getpid()
            session.host = KanbotsRepository.hostName
            if session.state == .stopped {
                session.state = .running
                session.stopReason = nil
            }
            return true
        }
        var failures = 0
        while true {
            do {
                guard try tick() else { return }
                failures = 0
            } catch {
                // A poll can fail for a passing reason (a concurrent writer, a
                // half-removed worktree); only a persistent failure ends the session.
                failures += 1
                log("poll failed (\(failures) in a row): \(error)")
                if failures >= 20 { throw error }
            }
            Self.reapChildren()
            MachineLoad.releaseFreedMemory()
            sleepThread(seconds: options.pollInterval)
        }
    }

    /// One look at the world and at most one dispatch; false when the session is over.
    func tick() throws -> Bool {
        polls += 1
        var session = try store.session(id)
        guard session.state.isActive else { return false }
        if receivedStopSignal != 0 {
            try finish(reason: StopReason.stoppedByUser, event: "stopped by user")
            return false
        }
        let now = Date()
        if session.executor?.isRemote == true { syncRemoteRuns(now: now) }
        let board = try Reconciler(repository).reconciledSnapshot().board
        let tally = SessionTally(session: id, board: board)
        let slots = min(session.parallel, options.ceiling)

        if session.state == .running {
            if tally.spentUSD >= session.budgetUSD {
                session = try drain(StopReason.budgetReached(tally.spentUSD), tally: tally, event: String(
                    printf: "budget reached: $%.2f of $%.2f spent; no more dispatches, %ld run(s) drain",
                    tally.spentUSD, session.budgetUSD, tally.active.count))
            } else if tally.trailingFailures >= session.maxFailures {
                session = try drain(StopReason.failedTooOften(tally.trailingFailures), tally: tally, event:
                    "\(tally.trailingFailures) runs failed in a row; no more dispatches")
            }
        }
        if session.state == .draining {
            writeStatus(slots: slots, tally: tally, holding: "draining (\(session.stopReason ?? "stopping"))")
            guard tally.active.isEmpty else { return true }
            var reason = session.stopReason ?? StopReason.backlogEmpty
            if reason.hasPrefix("budget_reached") { reason = StopReason.budgetReached(tally.spentUSD) }
            try finish(reason: reason, event: "stopped: \(reason)", spent: tally.spentUSD)
            return false
        }

        if session.qa != nil { return try qaStep(session: session, tally: tally, slots: slots, now: now) }
        let next = Planner.next(session: session, board: board, tally: tally, skipping: unstartable)
        guard let next else {
            if let card = Planner.waitingForScope(session: session, board: board, tally: tally, skipping: unstartable) {
                // Overlapping work goes one after the other: wait for the run holding the scope.
                writeStatus(slots: slots, tally: tally, holding: "card #\(card) waits: its scope overlaps an active run's")
                return true
            }
            writeStatus(slots: slots, tally: tally, holding: nil)
            if tally.active.isEmpty {
                try finish(reason: StopReason.backlogEmpty, event: "stopped: backlog_empty", spent: tally.spentUSD)
                return false
            }
            return true
        }
        guard tally.occupyingSlots < slots else {
            writeStatus(slots: slots, tally: tally, holding: nil)
            return true
        }
        if let reason = try hold(tally: tally, now: now, remote: session.executor?.isRemote == true) {
            writeStatus(slots: slots, tally: tally, holding: reason)
            return true
        }
        try dispatch(next, session: session, tally: tally)
        writeStatus(slots: slots, tally: tally, holding: nil)
        return true
    }

    /// Why not to dispatch now, if there is a reason: a run the meter has not
    /// heard from (its spend is unknown), a rate limit (jittered back-off), or
    /// machine load (not for runs in an engine's jobs: they load its nodes,
    /// not this machine). Entering and leaving a rate-limit or load hold are events.
    func hold(tally: SessionTally, now: Date, remote: Bool = false) throws -> String? {
        var reason: String?
        let limited = tally.rateLimited
        if !limited.isEmpty || (holdUntil.map { now < $0 } ?? false) {
            if !limited.isEmpty, holdUntil.map({ now >= $0 }) ?? true {
                backoff = backoff == 0 ? options.backoffBase : min(backoff * 2, options.backoffMax)
                holdUntil = now.addingTimeInterval(backoff * Double.random(in: 0.5...1))
            }
            reason = limited.isEmpty
                ? "backing off after a rate limit until \(Timestamp.format(holdUntil!))"
                : "rate limited (\(limited.map { "run \($0.record.id)" }.joined(separator: ", "))); next try at \(Timestamp.format(holdUntil!))"
        } else {
            backoff = 0
            holdUntil = nil
            if !remote, let load = MachineLoad.perCore(), load > options.maxLoadPerCore {
                reason = String(printf: "machine load %.2f per core is over %.2f", load, options.maxLoadPerCore)
            }
        }
        let holdKind = reason.map { $0.hasPrefix("machine") ? "load" : "rate limit" }
        if holdKind != holding {
            try store.update(id, event: reason.map { "holding new dispatches: \($0)" } ?? "dispatching again") { _ in true }
            holding = holdKind
        }
        if reason != nil { return reason }
        let unmetered = tally.unmetered(now: now, wait: options.meterWait)
        if !unmetered.isEmpty {
            return "waiting for the first meter reading of run \(unmetered[0].record.id)"
        }
        return nil
    }

    func dispatch(_ item: WorkItem, session: AutopilotSession, tally: SessionTally) throws {
        if item.attempt > 0, try cardLanded(item.card) { return }
        var request = DispatchRequest(
            card: item.card, agent: item.agent, model: item.model, base: item.base,
            capUSD: session.runCapUSD, persona: item.persona)
        // Unattended runs take reversible defaults after this; irreversible questions still wait.
        request.decideAfter = session.decideAfter.flatMap(DurationText.seconds)
        request.fields = item.fields
        request.executor = session.executor
        request.fields[AutopilotSession.runField] = id
        if let review = item.reviewOf { request.fields[AutopilotSession.reviewOfField] = review.description }
        let what = "card #\(item.card) as \(item.persona)" + (item.reviewOf.map { ", reviewing run \($0)" } ?? "")
            + (item.attempt > 0 ? ", attempt \(item.attempt + 1)" : "")
        log("dispatch \(Date().timeIntervalSince1970) \(what)")
        do {
            let record = try Dispatcher(repository).dispatch(request)
            try store.update(id, event: "dispatched run \(record.id) on \(what)") { session in
                session.dispatched += 1
                session.spentUSD = tally.spentUSD
                return true
            }
            if item.attempt > 0, let landed = try landedAttempt(of: item.card) {
                try supersede(record, landed: landed)
            }
        } catch {
            // A dispatch that claimed a run id left a failed run of this
            // session, which the planner will not retry; one that failed
            // earlier is remembered here.
            unstartable.insert(item.card)
            try store.update(id, event: "could not dispatch \(what): \(error)") { _ in true }
        }
    }

    /// Whether an attempt of `card` has landed since the board was read:
    /// the merge queue works beside us, and an attempt started after its
    /// card landed would only redo what is on the base.
    func cardLanded(_ card: Int) throws -> Bool {
        try landedAttempt(of: card) != nil
    }

    /// The id of the attempt of `card` that landed, if one did (named by
    /// its superseded siblings when it landed in another clone).
    func landedAttempt(of card: Int) throws -> String? {
        let records = try RunIndex(repository).records().records.filter { $0.card == card }
        if let merged = records.first(where: { $0.state == .merged }) { return merged.id.description }
        return records.lazy.filter { $0.state == .superseded }.compactMap(\.supersededBy).first
    }

    /// Closes the window between `cardLanded` and `record` being written: a
    /// landing in between settled the card's attempts before this one
    /// existed, so it is stopped and superseded here, as that landing would
    /// have done. A landing after `record` was written settles it itself.
    func supersede(_ record: RunRecord, landed: String) throws {
        _ = try? Stopper(repository: repository).stop(record, timeout: Stopper.defaultTimeout)
        let updated = try RunStore(repository).update(record.id) { $0.supersede(by: landed) }
        guard updated.state == .superseded else { return }
        try store.update(id, event: "run \(record.id) stopped and superseded: run \(landed), another attempt of its card, "
                             + "landed while it was dispatched") { _ in true }
    }

    /// A remote run's spend (its checkpoints' cost) and its ending reach this
    /// clone only through the remote: fetch its records every
    /// `remoteSyncInterval`, so the budget counts them (docs/autopilot.md,
    /// "Remote runs"). A failed sync is logged; the next poll tries again.
    func syncRemoteRuns(now: Date) {
        if let last = lastRemoteSync, now.timeIntervalSince(last) < options.remoteSyncInterval { return }
        lastRemoteSync = now
        do {
            _ = try Synchronizer(repository, remote: Settings(repository).executorRemote).sync(push: false)
        } catch {
            log("sync with the remote failed: \(error)")
        }
    }

    func drain(_ reason: String, tally: SessionTally, event: String) throws -> AutopilotSession {
        try store.update(id, event: event) { session in
            guard session.state == .running else { return false }
            session.state = .draining
            session.stopReason = reason
            session.spentUSD = tally.spentUSD
            return true
        }
    }

    func finish(reason: String, event: String, spent: Double? = nil) throws {
        let finished = try store.update(id, event: event) { session in
            guard session.state.isActive else { return false }
            session.state = .stopped
            if session.stopReason == nil || reason != StopReason.backlogEmpty { session.stopReason = reason }
            if let spent { session.spentUSD = spent }
            return true
        }
        let notifier = Notifier(repository)
        let why = finished.stopReason ?? reason
        if why.hasPrefix("budget_reached") {
            notifier.send(.budgetReached, session: id, text: "autopilot \(id) spent its budget: \(why)")
        }
        notifier.send(.sessionFinished, session: id, text: "autopilot \(id) finished: \(why)")
    }

    /// Collects supervisors that have exited: they are our children (we
    /// started them), and over a night of runs unreaped ones would pile up
    /// as zombies. Their ending is recorded in git, not in their exit status.
    static func reapChildren() {
        var status: Int32 = 0
        while waitpid(-1, &status, WNOHANG) > 0 {}
    }

    /// One line to the orchestrator's log (`.git/kanbots/sessions/<id>/orchestrator.log`).
    func log(_ line: String) {
        StandardError.write(line)
    }

    func writeStatus(slots: Int, tally: SessionTally, holding: String?) {
        store.writeStatus(OrchestratorStatus(
            slots: slots, active: tally.active.count, spentUSD: tally.spentUSD, holding: holding,
            holdUntil: holdUntil, updatedAt: Date(), polls: polls), id: id)
    }
}

/// Tunables, from git config with environment overrides for tests and benchmarks.
public struct OrchestratorOptions: Sendable {
    public var pollInterval: TimeInterval = 0.25
    /// No session uses more slots than this, whatever `--parallel` says.
    public var ceiling = 16
    /// New dispatches wait while the 1-minute load average per core is above this.
    public var maxLoadPerCore = 4.0
    /// How long a new run may stay silent before the meter stops waiting for it.
    public var meterWait: TimeInterval = 60
    public var backoffBase: TimeInterval = 15
    public var backoffMax: TimeInterval = 600
    /// How often a session of remote runs syncs their records (spend, endings).
    public var remoteSyncInterval: TimeInterval = 2

    public enum Key {
        public static let maxParallel = "kanbots.autopilot.max-parallel"
        public static let maxLoadPerCore = "kanbots.autopilot.max-load-per-core"
        public static let pollSeconds = "kanbots.autopilot.poll-seconds"
        public static let meterWaitSeconds = "kanbots.autopilot.meter-wait-seconds"
        public static let backoffSeconds = "kanbots.autopilot.backoff-seconds"
        public static let remoteSyncSeconds = "kanbots.autopilot.remote-sync-seconds"
    }

    public init() {}

    public init(settings: Settings, environment: [String: String] = ProcessInfo.processInfo.environment) {
        func value(_ key: String, _ variable: String) -> Double? {
            (environment[variable] ?? settings.string(key)).flatMap(Double.init).flatMap { $0 >= 0 ? $0 : nil }
        }
        if let v = value(Key.pollSeconds, "KANBOTS_AUTOPILOT_POLL_SECONDS") { pollInterval = max(0.01, v) }
        if let v = value(Key.maxParallel, "KANBOTS_AUTOPILOT_MAX_PARALLEL"), v >= 1 { ceiling = Int(v) }
        if let v = value(Key.maxLoadPerCore, "KANBOTS_AUTOPILOT_MAX_LOAD_PER_CORE") { maxLoadPerCore = v }
        if let v = value(Key.meterWaitSeconds, "KANBOTS_AUTOPILOT_METER_WAIT_SECONDS") { meterWait = v }
        if let v = value(Key.remoteSyncSeconds, "KANBOTS_AUTOPILOT_REMOTE_SYNC_SECONDS") { remoteSyncInterval = max(0.1, v) }
        if let v = value(Key.backoffSeconds, "KANBOTS_AUTOPILOT_BACKOFF_SECONDS") {
            backoffBase = max(0.01, v)
            backoffMax = max(backoffBase, 40 * v)
        }
    }
}

/// The machine's load, portably (`getloadavg` exists on Linux and macOS).
public enum MachineLoad {
    /// Returns freed heap pages to the system (glibc keeps them otherwise).
    static func releaseFreedMemory() {
        #if os(Linux)
        _ = mallocTrim(0)
        #endif
    }

    public static func perCore() -> Double? {
        var loads = [Double](repeating: 0, count: 1)
        guard getloadavg(&loads, 1) == 1 else { return nil }
        return loads[0] / Double(max(1, ProcessInfo.processInfo.activeProcessorCount))
    }
}

#if os(Linux)
@_silgen_name("malloc_trim")
private func mallocTrim(_ pad: Int) -> Int32
#endif
