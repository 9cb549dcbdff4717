import Foundation
import KanbotsCore
import KanbotsGit
import KanbotsStore

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
    /// Extra record fields, e.g. the autopilot session that asked for the run.
    public var fields: [String: String] = [:]

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
        _ = try CardStore(repository).card(request.card)
        let agent = request.agent ?? settings.defaultAgent
        try AgentCatalog.validate(agent)
        _ = try AgentCatalog.locate(agent, settings: settings)
        try settings.validateChecksAndScope()
        let baseName = try request.base ?? settings.defaultBase()
        guard let baseCommit = try repository.git.resolveCommit(baseName) else {
            throw KanbotsError.unknownBase(baseName)
        }
        let worktrees = Worktrees(repository)
        let pool = WorktreePool(repository)
        // The pool holds the default base only; its supervisor refills it once the agent runs.
        let usePool = pool.size > 0 && baseName == (try? settings.defaultBase())
        return try launch { id in
            let name = RunRecord.worktreeName(card: request.card, id: id)
            let branch = RunRecord.branchName(card: request.card, id: id)
            let folder = KanbotsRepository.worktreesFolder + "/" + name
            try worktrees.checkFree(branch: branch, folder: folder)
            var record = RunRecord(
                id: id, card: request.card, agent: agent, model: request.model ?? settings.defaultModel,
                branch: branch, worktree: folder, base: baseName, baseCommit: baseCommit.hex,
                createdAt: Date(), host: KanbotsRepository.hostName, uuid: UUID().uuidString.lowercased())
            record.capUSD = request.capUSD ?? settings.defaultCapUSD
            record.persona = request.persona
            record.decideAfter = request.decideAfter ?? settings.decideAfter
            for (key, value) in request.fields.sorted(by: { $0.key < $1.key }) { record.setExtra(key, value) }
            return record
        } prepareWorktree: { record in
            try worktrees.create(
                name: record.worktreeRegistration, branch: record.branch, folder: record.worktree, base: baseCommit,
                fromPool: usePool)
        }
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
        let clone = try Settings(repository).cloneTag()
        // The supervisor lock is taken before the run exists, so there is no
        // instant at which the run is recorded but nobody holds its lock.
        let pending = repository.stateDirectory + "/pending-\(UUID().uuidString).lock"
        let lock = try FileLock(path: pending)
        lock.lock()
        defer { unlink(pending) }

        func claim() throws -> RunRecord {
            try RunStore(repository).create(clone: clone, attachments: attachments) { id in
                var record = try make(id)
                record.setExtra(RunRecord.dispatchLockKey, (pending as NSString).lastPathComponent)
                return record
            }
        }
        let record = try checkBeforeClaim.map { check in
            try repository.metadataLock.withLock {
                try check()
                return try claim()
            }
        } ?? claim()
        do {
            try FileManager.default.createDirectory(atPath: repository.runDirectory(record.id),
                                                    withIntermediateDirectories: true)
            guard rename(pending, repository.supervisorLockPath(record.id)) == 0 else {
                throw KanbotsError.io("cannot place the supervisor lock: \(String(cString: strerror(errno)))")
            }
            try prepareWorktree(record)
            try startSupervisor(for: record, holding: lock)
            return record
        } catch {
            // Keep the history honest: the id stays claimed, the run is failed.
            _ = try? RunStore(repository).transition(record.id, to: .failed, reason: "dispatch_failed: \(error)")
            throw error
        }
    }

    func startSupervisor(for record: RunRecord, holding lock: FileLock) throws {
        try SupervisorLauncher(repository).start(record.id, holding: lock, reattach: false)
    }
}
