import KanbotsAgents
import KanbotsAutopilot
import KanbotsCore
import KanbotsRuns
import KanbotsStore
import KanbotsSupervisor
import KanbotsSystem

/// Supervises one run until it ends (or, with `reattach`, adopts a run whose
/// agent outlived its supervisor).
func superviseRun(_ runID: String, repository path: String, reattach: Bool) throws {
    Supervisor.detach()
    let repository = try KanbotsRepository(discoveringFrom: path)
    guard let id = RunID(runID) else { throw KanbotsError.unknownRun(runID) }
    // Read first: an unknown run is named as such, not as a missing lock file.
    let record = try RunStore(repository).record(id)
    let lock = try inheritedLock(at: repository.supervisorLockPath(id), holder: "run \(id)", kind: "supervisor")
    let settings = Settings(repository)
    let prices = try AgentStreamMonitor.prices(settings: settings, repository: repository)
    let monitor = AgentStreamMonitor(
        record: record, prices: prices, testCommands: settings.testCommands ?? AgentTestDetector.defaultTestCommands)
    let supervisor = Supervisor(repository: repository, id: id, lock: lock, monitor: monitor)
    // Started ahead of its worktree by dispatch: start-up is done, now wait
    // for the worktree (or for the dispatch to give the run up).
    if let text = ProcessInfo.processInfo.environment["KANBOTS_START_FD"], let descriptor = Int32(text) {
        unsetenv("KANBOTS_START_FD")
        guard StartSignal.wait(on: descriptor) else {
            StandardError.write("supervisor: dispatch of run \(id) did not complete; leaving the run to it")
            return
        }
    }
    // Its log is the supervisor's stderr: one line on what it cost, for the benchmarks.
    defer { StandardError.write("supervisor: done \(ResourceUsage.current())") }
    if reattach {
        try supervisor.reattach()
    } else {
        try supervisor.run()
    }
}

/// Runs an autopilot session's orchestrator until the session ends.
func orchestrateSession(_ session: String, repository path: String) throws {
    Orchestrator.detach()
    let repository = try KanbotsRepository(discoveringFrom: path)
    let store = SessionStore(repository)
    _ = try store.session(session)
    let lock = try inheritedLock(at: store.lockPath(session), holder: "autopilot session \(session)", kind: "orchestrator")
    let orchestrator = Orchestrator(
        repository: repository, id: session, lock: lock, options: OrchestratorOptions(settings: Settings(repository)))
    defer { StandardError.write("orchestrator: done \(ResourceUsage.current())") }
    try orchestrator.run()
}

/// The lock our launcher took and handed down as `KANBOTS_LOCK_FD`, so it is
/// never free while we start; else (started by hand) we take it ourselves.
private func inheritedLock(at path: String, holder: String, kind: String) throws -> FileLock {
    if let text = ProcessInfo.processInfo.environment["KANBOTS_LOCK_FD"], let descriptor = Int32(text) {
        return FileLock(inheritedDescriptor: descriptor, path: path)
    }
    let lock = try FileLock(path: path)
    guard lock.tryLock() else { throw KanbotsError.invalidArgument("\(holder) already has a live \(kind)") }
    return lock
}
