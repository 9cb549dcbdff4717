import Foundation
import KanbotsAutopilot
import KanbotsCore
import KanbotsRuns
import KanbotsSystem
import KanbotsEnvironment
import KanbotsStore
import KanbotsSupervisor
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What `autopilot start` (and the web board's autopilot form) asks for.
public struct AutopilotStartRequest: Sendable {
    public var parallel = 2
    public var budgetUSD: Double
    public var runCapUSD: Double?
    public var personas = ["engineer"]
    /// Only these cards (default: every Todo card).
    public var cards: [Int]?
    /// Comma-separated names, taken in turn by each card's attempts.
    public var agent: String?
    public var model: String?
    /// Attempts per card (`--attempts N`); nil: one per agent or model name.
    public var attempts: Int?
    public var afterInReview = false
    public var maxFailures = 3
    public var decideAfter: String?
    /// Where the session's runs run (`--on slurm`); nil: as each dispatch would choose.
    public var executor: ExecutorKind?
    /// Start the merge queue beside the orchestrator (`--land`), and land
    /// without checks (`--land-unchecked`).
    public var land = false
    public var landUnchecked = false

    public init(budgetUSD: Double) { self.budgetUSD = budgetUSD }
}

/// Starting, stopping and resuming autopilot sessions.
public struct AutopilotActions {
    public let repository: KanbotsRepository
    var store: SessionStore { SessionStore(repository) }

    public init(_ repository: KanbotsRepository) { self.repository = repository }

    /// The session a command names, or the newest one.
    public func session(_ id: String?) throws -> AutopilotSession {
        if let id { return try store.session(id) }
        guard let newest = try store.all().last else {
            throw KanbotsError.invalidArgument("no autopilot session yet; start one with `git kanbots autopilot start`")
        }
        return newest
    }

    /// Checks the request, records a new session and starts its orchestrator.
    public func start(_ request: AutopilotStartRequest) throws -> (session: AutopilotSession, pid: Int32) {
        guard request.parallel >= 1 else { throw KanbotsError.invalidArgument("--parallel must be at least 1") }
        guard request.budgetUSD > 0, request.budgetUSD.isFinite else {
            throw KanbotsError.invalidArgument("--budget must be a positive amount of USD")
        }
        if let runCap = request.runCapUSD, !(runCap > 0) {
            throw KanbotsError.invalidArgument("--run-cap must be a positive amount of USD")
        }
        guard request.maxFailures >= 1 else { throw KanbotsError.invalidArgument("--max-failures must be at least 1") }
        _ = try RunActions.decideAfterSeconds(request.decideAfter)
        guard Settings(repository).isInitialized else { throw KanbotsError.notInitialized }
        let settings = Settings(repository)
        let names = request.personas.map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        guard !names.isEmpty else { throw KanbotsError.invalidArgument("--personas needs at least one persona") }
        try Personas.validate(names, repository: repository)
        let plan = try AttemptPlan(count: request.attempts, agents: request.agent, models: request.model)
        for agent in Set(plan.agents.map { $0 ?? settings.defaultAgent }).sorted() { try validateAgent(agent) }
        // A missing engine or remote refuses the session, not each of its dispatches.
        if let kind = request.executor { try Dispatcher(repository).checkAvailable(kind) }
        let cardStore = CardStore(repository)
        for number in request.cards ?? [] { _ = try cardStore.card(number) }

        var session = AutopilotSession(
            id: AutopilotSession.newID(), parallel: request.parallel, budgetUSD: request.budgetUSD,
            runCapUSD: request.runCapUSD ?? settings.defaultCapUSD, personas: names, createdAt: Date(),
            host: KanbotsRepository.hostName)
        session.cards = request.cards
        session.agent = request.agent
        session.model = request.model
        session.attempts = request.attempts
        session.afterInReview = request.afterInReview
        session.maxFailures = request.maxFailures
        session.decideAfter = request.decideAfter
        session.executor = request.executor
        if request.land || request.landUnchecked { session.land = request.landUnchecked ? "unchecked" : "checked" }
        let pid = try launch(session, event: String(
            format: "started: %d slot(s), budget $%.2f, run cap $%.2f, personas %@", request.parallel,
            request.budgetUSD, session.runCapUSD, names.joined(separator: ",")) + (plan.count > 1 ? ", \(plan.count) attempts per card" : ""))
        return (session, pid)
    }

    /// The agent is one we know, its program can be found, and, if its runs
    /// may be unmetered, `kanbots.max-time` bounds them (autopilot's runs
    /// take the config's time cap; without one every dispatch would fail).
    public func validateAgent(_ name: String) throws {
        let settings = Settings(repository)
        let definition = try AgentCatalog.definition(name, settings: settings)
        _ = try AgentCatalog.locate(name, settings: settings)
        if definition.agentProtocol.mayBeUnmetered, try settings.maxTime() == nil {
            throw KanbotsError.invalidArgument(
                "agent '\(name)' may report no cost, so autopilot's runs need a wall-clock cap: "
                    + "`git config \(Settings.maxTimeKey) 30m` (or `none` to run them unbounded on purpose)")
        }
    }

    /// Records a new session and starts its orchestrator, refusing while another
    /// session of this repository is active (running, draining or lost).
    public func launch(_ session: AutopilotSession, event: String) throws -> Int32 {
        let store = self.store
        // Two starts at once must not both see "no active session".
        let startLock = try FileLock(path: repository.stateDirectory + "/autopilot-start.lock")
        startLock.lock()
        defer { startLock.unlock() }
        if let active = try store.all().first(where: { $0.state.isActive }) {
            let lost = store.liveness(of: active) == .gone
            throw KanbotsError.invalidArgument(lost
                ? "autopilot session \(active.id) is lost; `git kanbots autopilot resume` continues it, `git kanbots autopilot stop` ends it"
                : "autopilot session \(active.id) is already running; `git kanbots autopilot stop` ends it")
        }
        try FileManager.default.createDirectory(atPath: store.directory(session.id), withIntermediateDirectories: true)
        let lock = try FileLock(path: store.lockPath(session.id))
        lock.lock()
        try store.create(session, event: event)
        let pid = try OrchestratorLauncher(repository).start(session.id, holding: lock)
        if let land = session.land { startMergeQueue(for: session.id, unchecked: land == "unchecked") }
        return pid
    }

    /// `git-kanbots land --watch --session ID`, in the background: it lands
    /// the session's ready runs, records each landing, rebase and give-up on
    /// the session, and ends once the session has ended and nothing is left
    /// to land. A failure to start it leaves the runs to `land` by hand.
    func startMergeQueue(for id: String, unchecked: Bool) {
        var spec = ProcessSpec(
            executable: ProcessLauncher.kanbotsExecutable,
            arguments: ["land", "--watch", "--session", id] + (unchecked ? ["--unchecked"] : []),
            environment: ProjectCommandRunner.environment())
        let log = store.directory(id) + "/land.log"
        spec.standardOutput = .appending(log)
        spec.standardError = .appending(log)
        spec.newProcessGroup = true
        spec.workingDirectory = repository.workingDirectory
        _ = try? ProcessLauncher.spawn(spec)
    }

    /// Stops a session (its orchestrator ends, nothing new is dispatched) and,
    /// with `killRuns`, every run of it still going.
    public func stop(_ id: String?, killRuns: Bool, timeout: TimeInterval)
        throws -> (session: AutopilotSession, stoppedRuns: [RunRecord])
    {
        let store = self.store
        var session = try self.session(id)
        if session.state.isActive {
            if store.liveness(of: session) == .alive, let pid = session.orchestratorPID {
                _ = kill(pid, SIGTERM)
                let deadline = Date().addingTimeInterval(timeout)
                while store.liveness(of: session) == .alive, Date() < deadline {
                    Thread.sleep(forTimeInterval: 0.05)
                    session = try store.session(session.id)
                }
            }
            session = try store.update(session.id, event: "stopped by user") { current in
                guard current.state.isActive else { return false }
                current.state = .stopped
                current.stopReason = StopReason.stoppedByUser
                return true
            }
        }
        guard killRuns else { return (session, []) }
        let runs = try RunIndex(repository).records().records
            .filter { $0.extraValue(AutopilotSession.runField) == session.id && $0.state.isActive }
        let stopped = try runs.map { try Stopper(repository: repository).stop($0, timeout: timeout) }
        return (session, stopped)
    }

    /// Continues a lost or stopped session with a new orchestrator.
    public func resume(_ id: String?) throws -> (session: AutopilotSession, pid: Int32) {
        guard Settings(repository).isInitialized else { throw KanbotsError.notInitialized }
        let store = self.store
        let session = try self.session(id)
        if !session.host.isEmpty, session.host != KanbotsRepository.hostName {
            throw KanbotsError.invalidArgument("autopilot session \(session.id) runs on \(session.host); resume it there")
        }
        try FileManager.default.createDirectory(atPath: store.directory(session.id), withIntermediateDirectories: true)
        let lock = try FileLock(path: store.lockPath(session.id))
        guard lock.tryLock() else {
            throw KanbotsError.invalidArgument("autopilot session \(session.id) is running; nothing to resume")
        }
        let resumed = try store.update(session.id, event: "resumed by user") { current in
            current.state = .running
            current.stopReason = nil
            return true
        }
        return (resumed, try OrchestratorLauncher(repository).start(session.id, holding: lock))
    }
}
