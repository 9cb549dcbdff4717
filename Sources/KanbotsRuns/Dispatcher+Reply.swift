import KanbotsCore
import KanbotsGit
import KanbotsStore
import KanbotsSupervisor

/// A follow-up message for a run that has ended (`git kanbots reply`).
public struct ReplyRequest: Sendable {
    public var run: RunID
    public var message: String
    public var capUSD: Double?

    public init(run: RunID, message: String, capUSD: Double? = nil) {
        self.run = run
        self.message = message
        self.capUSD = capUSD
    }
}

extension Dispatcher {
    /// Continues an ended run as a new run on the same branch and worktree,
    /// in the same agent session where the agent can resume one.
    ///
    /// The new run's id is its own; only the worktree and branch are
    /// borrowed, so the rule "one active run per worktree" is checked under
    /// the metadata lock together with the claim of the id. The message is
    /// checked by the caller (KanbotsApp's `RunActions.reply`, for both front ends).
    public func reply(_ request: ReplyRequest) throws -> RunRecord {
        let settings = Settings(repository)
        guard settings.isInitialized else { throw KanbotsError.notInitialized }
        let store = RunStore(repository)
        let original = try store.record(request.run)
        guard original.host == KanbotsRepository.hostName else {
            throw KanbotsError.invalidArgument(
                "run \(original.id) ran on \(original.host); its agent session is there, so reply from that machine")
        }
        if original.state == .discarded {
            throw KanbotsError.invalidArgument(
                "run \(original.id) was discarded; dispatch card \(original.card) again instead")
        }
        _ = try AgentCatalog.locate(original.agent, settings: settings)
        try AgentConfinement.validate(agent: original.agent, settings: settings)
        if AgentCatalog.resumesSessions(original.agent), original.sessionID == nil {
            throw KanbotsError.invalidArgument(
                "run \(original.id) recorded no agent session to continue; dispatch card \(original.card) again instead")
        }
        guard let tip = try repository.git.referenceTarget("refs/heads/" + original.branch) else {
            throw KanbotsError.invalidArgument(
                "branch \(original.branch) of run \(original.id) is gone; dispatch card \(original.card) again instead")
        }
        try Reconciler(repository).reconcile(adoptingOrphans: false)

        let sessionCostBefore = original.costUSD
            + (original.extraValue(RunRecord.sessionCostBeforeKey).flatMap(Double.init) ?? 0)
        return try launch(
            attachments: [RunRecord.replyMessageFile: Data(request.message.utf8)],
            record: { id in
                var record = RunRecord(
                    id: id, card: original.card, agent: original.agent, model: original.model,
                    branch: original.branch, worktree: original.worktree, base: original.base,
                    baseCommit: original.baseCommit, createdAt: Date(), host: KanbotsRepository.hostName,
                    uuid: UUID().uuidString.lowercased())
                record.capUSD = request.capUSD ?? original.capUSD ?? settings.defaultCapUSD
                record.persona = original.persona
                // Same agent, same bounds: an ACP reply is unmetered too.
                record.maxTime = original.maxTime
                record.agentProtocol = original.agentProtocol
                record.replyTo = original.id
                record.sessionID = original.sessionID
                record.startCommit = tip.hex
                if AgentCatalog.resumesSessions(original.agent) {
                    record.setExtra(RunRecord.sessionCostBeforeKey, String(printf: "%.6f", sessionCostBefore))
                }
                return record
            },
            // `gc` may have removed the folder of the ended run: check the branch out again.
            prepareWorktree: { record in try Worktrees(repository).ensureCheckedOut(record, tip: tip) },
            checkBeforeClaim: {
                if let busy = try BoardLoader(repository).activeRun(inWorktree: original.worktree) {
                    throw KanbotsError.runNotFinished(busy.id.description, state: busy.state.rawValue)
                }
            })
    }
}
