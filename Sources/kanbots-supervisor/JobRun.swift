import KanbotsCore
import KanbotsGit
import KanbotsStore
import KanbotsSupervisor
import KanbotsSystem

/// `kanbots-supervisor job RUN --repository PATH`: what a remote run's job
/// (its `job.sh`) runs in its own fresh clone, once it has fetched the
/// run's record and base. It makes the clone a git-kanbots one (the hook
/// included, so the agent's own pushes meet it), records which job it is,
/// puts the run's worktree and branch in place as `dispatch` does locally,
/// then supervises the run in this process until it ends.
func superviseJob(_ runID: String, repository path: String) throws {
    var timeline = JobTimeline()
    let repository = try KanbotsRepository(discoveringFrom: path)
    guard let id = RunID(runID) else { throw KanbotsError.unknownRun(runID) }
    let settings = Settings(repository)
    _ = try Setup(repository).run(defaultAgent: settings.defaultAgent)
    timeline.mark("setup")
    let store = RunStore(repository)
    let environment = ProcessInfo.processInfo.environment
    let record = try store.update(id) { record in
        guard record.state == .queued else { return false }
        record.job = environment["SLURM_JOB_ID"] ?? environment["KANBOTS_JOB_ID"] ?? record.job
        record.host = KanbotsRepository.hostName
        // The engine's name for the node (several may share a host); a
        // Kubernetes pod is told its node through the Downward API.
        record.setExtra("Node", environment["SLURMD_NODENAME"] ?? environment["KANBOTS_NODE"])
        return true
    }
    guard record.state == .queued else {
        throw KanbotsError.invalidArgument("run \(id) is \(record.state.rawValue), not queued; this job has nothing to do")
    }
    timeline.mark("record")
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
    timeline.mark("worktree")
    // Where a local dispatch leaves the run's lock, live figures and transcript.
    try FileManager.default.createDirectory(atPath: repository.runDirectory(id), withIntermediateDirectories: true)
    // The rest, up to the agent's start, is the supervisor's own (its lines follow in job.log).
    timeline.report()
    try superviseRun(runID, repository: path, reattach: false)
}

/// Where a job's start-up goes, one line in its `job.log`: what
/// `scripts/bench-slurm-dispatch.sh` cannot see from outside the node.
struct JobTimeline {
    private let start = ContinuousClock.now
    private var phases: [(String, Duration)] = []

    mutating func mark(_ phase: String) { phases.append((phase, ContinuousClock.now - start)) }

    func report() {
        let lines = phases.map { "\($0.0) \($0.1.components.seconds * 1000 + $0.1.components.attoseconds / 1_000_000_000_000_000) ms" }
        StandardError.write("job: ready after " + lines.joined(separator: ", "))
    }
}

/// `kanbots-supervisor checkpoint RUN --repository PATH`: run by a remote
/// job before each periodic push. Attaches the transcript so far, redacted
/// as the final one is, to the run's record (no transition), so `log
/// --follow` elsewhere sees the run within a checkpoint interval, and its
/// live cost, so an autopilot elsewhere counts it against its budget. A
/// record that is already final, or a transcript that has not grown, is
/// left alone; so is a record with an open question: the submitting side
/// answers onto the question as the remote has it, and the job fetches that
/// answer as a fast-forward, which a checkpoint written meanwhile would turn
/// into a diverged chain.
func checkpointJob(_ runID: String, repository path: String) throws {
    let repository = try KanbotsRepository(discoveringFrom: path)
    guard let id = RunID(runID) else { throw KanbotsError.unknownRun(runID) }
    let source = repository.transcriptPath(id)
    let marker = repository.runDirectory(id) + "/checkpoint.size"
    guard let size = PathName.fileSize(source), size > 0 else { return }
    let previous = FileManager.default.contents(atPath: marker).flatMap { Int(String(decoding: $0, as: UTF8.self)) }
    guard previous != size,
          let redacted = TranscriptRedaction.write(from: source, to: source + ".checkpoint") else { return }
    defer { unlink(redacted) }
    let live = LiveStatusFile.read(runDirectory: repository.runDirectory(id))
    try RunStore(repository).update(id, diskFiles: ["transcript.ndjson": redacted]) { record in
        guard record.state.isActive, record.openQuestion == nil else { return false }
        if let live, live.costUSD > record.costUSD { record.costUSD = live.costUSD }
        if let turns = live?.turns, turns > (record.turns ?? 0) { record.turns = turns }
        return true
    }
    try Data(String(size).utf8).write(to: URL(fileURLWithPath: marker))
}
