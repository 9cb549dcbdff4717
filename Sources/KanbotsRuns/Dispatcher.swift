import KanbotsCore
import KanbotsEnvironment
import KanbotsExecutors
import KanbotsGit
import KanbotsStore
import KanbotsSupervisor
import KanbotsSystem

/// What the user asked `dispatch` for; nil fields take the configured defaults.
public struct DispatchRequest: Sendable {
    public var card: Int
    public var agent: String?
    public var model: String?
    public var base: String?
    public var capUSD: Double?
    public var persona: String?
    /// Seconds after which an unanswered, reversible question takes its
    /// default (default: `kanbots.decide-after`; none waits for a human).
    public var decideAfter: TimeInterval?
    /// The run's wall-clock cap (`--max-time`): nil takes `kanbots.max-time`.
    public var maxTime: MaxTime?
    /// Extra record fields, e.g. the autopilot session that asked for the run.
    public var fields: [String: String] = [:]
    /// What the agent must know beyond its card (`prompt-context.md`): the
    /// conflict a rebase run redoes its change over, the checks a fix run fixes.
    public var promptContext: String?
    /// Where the run's supervisor runs (`--on`): nil takes the card's `On:`,
    /// then `kanbots.executor`, then local.
    public var executor: ExecutorKind?

    public init(card: Int, agent: String? = nil, model: String? = nil, base: String? = nil,
                capUSD: Double? = nil, persona: String? = nil, decideAfter: TimeInterval? = nil) {
        self.decideAfter = decideAfter
        self.card = card
        self.agent = agent
        self.model = model
        self.base = base
        self.capUSD = capUSD
        self.persona = persona
    }
}

/// Turns a card into a running, supervised run: id, record, branch,
/// worktree, supervisor. Returns as soon as the supervisor is started.
public struct Dispatcher {
    let repository: KanbotsRepository

    public init(_ repository: KanbotsRepository) { self.repository = repository }

    public func dispatch(_ request: DispatchRequest) throws -> RunRecord {
        let settings = Settings(repository)
        guard settings.isInitialized else { throw KanbotsError.notInitialized }
        let card = try CardStore(repository).card(request.card)
        let persona = PersonaStore(repository).agentChoice(for: request.persona ?? Prompt.defaultPersona)
        // flags > card > persona > config (docs/agents.md, "Choosing an agent").
        let (agent, model) = AgentChoice.resolve([
            AgentChoice(agent: request.agent, model: request.model),
            AgentChoice(agent: card.agent, model: card.model),
            persona,
            AgentChoice(agent: settings.string(Settings.Key.agent), model: settings.defaultModel),
        ], defaultAgent: settings.defaultAgent)
        let definition = try AgentCatalog.definition(agent, settings: settings)
        let executorKind = try request.executor ?? card.executor ?? settings.executor()
        // A remote run's agent and its confinement live on the node: they are checked there.
        if !executorKind.isRemote {
            _ = try AgentCatalog.locate(agent, settings: settings)
            try AgentConfinement.validate(agent: agent, settings: settings)
        }
        let maxTime = try request.maxTime ?? settings.maxTime()
        if definition.agentProtocol.mayBeUnmetered, maxTime == nil {
            throw KanbotsError.invalidArgument(
                "agent '\(agent)' may report no cost, so its runs need a wall-clock cap: give --max-time 30m "
                    + "(or set `git config \(Settings.maxTimeKey) 30m`; `none` runs it unbounded on purpose)")
        }
        try settings.validateChecksAndScope()
        let baseName = try request.base ?? settings.defaultBase()
        guard let baseCommit = try repository.git.resolveCommit(baseName) else {
            throw KanbotsError.unknownBase(baseName)
        }
        let worktrees = Worktrees(repository)
        if executorKind.isRemote {
            let executor = try Executors.executor(executorKind, repository: repository)
            return try RemoteDispatch(repository: repository, executor: executor).submit(
                attachments: Self.attachments(for: request)
            ) { id in
                var record = RunRecord(
                    id: id, card: request.card, agent: agent, model: model,
                    branch: RunRecord.branchName(card: request.card, id: id),
                    worktree: KanbotsRepository.worktreesFolder + "/" + RunRecord.worktreeName(card: request.card, id: id),
                    base: baseName, baseCommit: baseCommit.hex, createdAt: Date(), host: "",
                    uuid: UUID().uuidString.lowercased())
                record.executor = executorKind
                apply(request, to: &record, settings: settings, maxTime: maxTime, definition: definition)
                return record
            }
        }
        let pool = WorktreePool(repository)
        // The pool holds the default base only; its supervisor refills it once the agent runs.
        let usePool = pool.size > 0 && baseName == (try? settings.defaultBase())
        return try launch(attachments: Self.attachments(for: request)) { id in
            let name = RunRecord.worktreeName(card: request.card, id: id)
            let branch = RunRecord.branchName(card: request.card, id: id)
            let folder = KanbotsRepository.worktreesFolder + "/" + name
            try worktrees.checkFree(branch: branch, folder: folder)
            var record = RunRecord(
                id: id, card: request.card, agent: agent, model: model,
                branch: branch, worktree: folder, base: baseName, baseCommit: baseCommit.hex,
                createdAt: Date(), host: KanbotsRepository.hostName, uuid: UUID().uuidString.lowercased())
            apply(request, to: &record, settings: settings, maxTime: maxTime, definition: definition)
            return record
        } prepareWorktree: { record in
            try worktrees.create(
                name: record.worktreeRegistration, branch: record.branch, folder: record.worktree, base: baseCommit,
                fromPool: usePool)
        }
    }

    /// The attachments a new run's first record carries.
    static func attachments(for request: DispatchRequest) -> [String: Data] {
        request.promptContext.map { [RunRecord.promptContextFile: Data($0.utf8)] } ?? [:]
    }

    /// The request's bounds and fields, the same for a run wherever it runs.
    func apply(_ request: DispatchRequest, to record: inout RunRecord, settings: Settings, maxTime: MaxTime?,
               definition: AgentDefinition) {
        record.capUSD = request.capUSD ?? settings.defaultCapUSD
        record.persona = request.persona
        record.decideAfter = request.decideAfter ?? settings.decideAfter
        record.maxTime = maxTime
        if !definition.isBuiltIn { record.agentProtocol = definition.agentProtocol.rawValue }
        for (key, value) in request.fields.sorted(by: { $0.key < $1.key }) { record.setExtra(key, value) }
    }

    /// The steps every new run shares: claim an id with its `queued` record,
    /// put its worktree in place, start its supervisor. A failure after the
    /// claim records the run `failed`: the id stays claimed, nothing is orphaned.
    ///
    /// - Parameter checkBeforeClaim: runs under the metadata lock together
    ///   with the claim, for callers whose check must be atomic with it.
    func launch(
        attachments: [String: Data] = [:],
        record make: (RunID) throws -> RunRecord,
        prepareWorktree: (RunRecord) throws -> Void,
        checkBeforeClaim: (() throws -> Void)? = nil
    ) throws -> RunRecord {
        try DetachedProcess.requireProgram()
        let clone = try Settings(repository).cloneTag()
        // Read before the claim: a setting that cannot be understood refuses the dispatch.
        let ports = RunPorts(repository: repository, settings: try EnvironmentSettings(Settings(repository)))
        // The supervisor lock is taken before the run exists, so there is no
        // instant at which the run is recorded but nobody holds its lock.
        let pending = repository.stateDirectory + "/pending-\(UUID().uuidString).lock"
        let lock = try FileLock(path: pending)
        lock.lock()
        defer { unlink(pending) }
        // Space for the run's last records is set aside before its id is
        // claimed: on a full disk the dispatch stops here, having changed
        // nothing, and a later failure can always record the run `failed`.
        let reserve = String(pending.dropLast(".lock".count)) + ".reserve"
        try DiskSpace.reserve(at: reserve)
        defer { DiskSpace.release(at: reserve) }
        // Taken before the run exists, so an exhausted range changes nothing.
        let block = try ports.allocate(pendingLock: pending)
        var blockHandedOver = false
        defer { if !blockHandedOver { ports.release(block, pendingLock: pending) } }

        func claim() throws -> RunRecord {
            try RunStore(repository).create(clone: clone, attachments: attachments) { id in
                var record = try make(id)
                record.setExtra(RunRecord.dispatchLockKey, PathName.lastComponent(of: pending))
                record.ports = block.description
                return record
            }
        }
        let record: RunRecord
        do {
            record = try checkBeforeClaim.map { check in
                try repository.metadataLock.withLock {
                    try check()
                    return try claim()
                }
            } ?? claim()
        } catch where DiskSpace.isOutOfSpace(error) {
            throw KanbotsError.diskFull(path: repository.commonDirectory, detail: "nothing was changed")
        }
        let runReserve = repository.runDirectory(record.id) + "/" + DiskSpace.reserveName
        do {
            try FileManager.default.createDirectory(atPath: repository.runDirectory(record.id),
                                                    withIntermediateDirectories: true)
            guard rename(pending, repository.supervisorLockPath(record.id)) == 0 else {
                throw KanbotsError.io("cannot place the supervisor lock: \(String(cString: strerror(errno)))")
            }
            try ports.transfer(block, from: pending, to: record.id)
            blockHandedOver = true
            // The supervisor keeps the reserve for its own last record.
            _ = rename(reserve, runReserve)
            // Started before the worktree is in place, so that its start-up
            // overlaps the checkout; it waits for the signal to go on, and
            // leaves the run alone if the signal is withdrawn (below) or we die.
            let signal = try StartSignal()
            defer { signal.withdraw() }
            try startSupervisor(for: record, holding: lock, waitingFor: signal)
            try prepareWorktree(record)
            signal.give()
            return record
        } catch {
            // Keep the history honest: the id stays claimed, the run is failed.
            // The reserve makes room for that record even on a full disk.
            let outOfSpace = DiskSpace.isOutOfSpace(error) || DiskSpace.isFull(at: repository.workingDirectory)
            DiskSpace.release(at: runReserve)
            DiskSpace.release(at: reserve)
            let reason = outOfSpace ? "dispatch_failed: no space left on device" : "dispatch_failed: \(error)"
            let failed = try? RunStore(repository).transition(record.id, to: .failed, reason: reason)
            let recorded = failed != nil
            if blockHandedOver { ports.release(failed ?? record) }
            guard outOfSpace else { throw error }
            throw KanbotsError.diskFull(
                path: repository.workingDirectory,
                detail: recorded ? "run \(record.id) was recorded failed" : "run \(record.id) is left queued; `git kanbots reconcile` records it")
        }
    }

    func startSupervisor(for record: RunRecord, holding lock: FileLock, waitingFor signal: StartSignal) throws {
        try LocalExecutor(repository).submit(record, start: LocalStart(lock: lock, signal: signal))
    }
}
