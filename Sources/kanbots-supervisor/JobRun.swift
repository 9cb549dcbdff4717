import KanbotsCore
import KanbotsGit
import KanbotsStore
import KanbotsSystem

/// `kanbots-supervisor job RUN --repository PATH`: what a remote run's job
/// (its `job.sh`) runs in its own fresh clone, once it has fetched the
/// run's record and base. It makes the clone a git-kanbots one (the hook
/// included, so the agent's own pushes meet it), records which job it is,
/// puts the run's worktree and branch in place as `dispatch` does locally,
/// then supervises the run in this process until it ends.
func superviseJob(_ runID: String, repository path: String) throws {
    let repository = try KanbotsRepository(discoveringFrom: path)
    guard let id = RunID(runID) else { throw KanbotsError.unknownRun(runID) }
    let settings = Settings(repository)
    _ = try Setup(repository).run(defaultAgent: settings.defaultAgent)
    let store = RunStore(repository)
    let environment = ProcessInfo.processInfo.environment
    let record = try store.update(id) { record in
        guard record.state == .queued else { return false }
        record.job = environment["SLURM_JOB_ID"] ?? environment["KANBOTS_JOB_ID"] ?? record.job
        record.host = KanbotsRepository.hostName
        // The engine's name for the node (several may share a host).
        record.setExtra("Node", environment["SLURMD_NODENAME"])
        return true
    }
    guard record.state == .queued else {
        throw KanbotsError.invalidArgument("run \(id) is \(record.state.rawValue), not queued; this job has nothing to do")
    }
    // The base arrived as the run's branch ref (refs/kanbots/branches/<run>).
    guard let base = try repository.git.referenceTarget(record.remoteBranchRef)
        ?? ObjectID(hex: record.baseCommit) else {
        throw KanbotsError.io("run \(id): its base \(record.baseCommit) did not arrive from the remote")
    }
    do {
        try Worktrees(repository).create(
            name: record.worktreeRegistration, branch: record.branch, folder: record.worktree, base: base)
    } catch {
        _ = try? store.transition(id, to: .failed, reason: "dispatch_failed: \(error)")
        throw error
    }
    // Where a local dispatch leaves the run's lock, live figures and transcript.
    try FileManager.default.createDirectory(atPath: repository.runDirectory(id), withIntermediateDirectories: true)
    try superviseRun(runID, repository: path, reattach: false)
}
