import KanbotsAgents
import KanbotsCore
import KanbotsEnvironment
import KanbotsExecutors
import KanbotsGit
import KanbotsStore
import KanbotsSystem

/// The signal that asked the supervisor to stop, set from a signal handler.
nonisolated(unsafe) private var receivedStopSignal: Int32 = 0

/// Watches one run from start to end: spawns the agent in its own process
/// group inside the worktree, follows its stream, meters and caps its cost,
/// checkpoints its work and records every transition.
///
/// It runs as its own detached process (`kanbots-supervisor run ID`) holding
/// the run's lock for its whole life: the lock is how everyone else knows it
/// is alive.
public final class Supervisor {
    let repository: KanbotsRepository
    let id: RunID
    let lock: FileLock
    var monitor: StreamMonitor
    /// Codex's live usage, from its session log (see `CodexRolloutMeter`).
    var codexRollout: CodexRolloutMeter?
    /// Seconds between SIGTERM and SIGKILL when stopping an agent.
    public var gracePeriod: TimeInterval = 3
    public var pollInterval: TimeInterval = 0.05
    /// The run's services (`kanbots.service.*`), while they run.
    var services: RunServices?

    public init(repository: KanbotsRepository, id: RunID, lock: FileLock, monitor: StreamMonitor) {
        self.repository = repository
        self.id = id
        self.lock = lock
        self.monitor = monitor
    }

    /// Detaches from the terminal: a new session with no controlling tty, so
    /// closing the terminal that dispatched the run does not end it.
    public static func detach() {
        _ = setsid()
        signal(SIGHUP, SIG_IGN)
        signal(SIGPIPE, SIG_IGN)
        let handler: @convention(c) (Int32) -> Void = { receivedStopSignal = $0 }
        signal(SIGTERM, handler)
        signal(SIGINT, handler)
    }

    /// Whether `git kanbots stop` (SIGTERM) or Ctrl-C asked this supervisor to stop.
    static var stopRequested: Bool { receivedStopSignal != 0 }

    enum Ending {
        /// The agent ended on its own; nil status when it was not our child
        /// (adopted after a supervisor crash) and its status is unknowable.
        case exited(ExitStatus?)
        case capped(Double)
        /// Passed its wall-clock cap after this many seconds.
        case timeCapped(TimeInterval)
        case stopped
        /// The device holding the transcript filled up: the agent's output
        /// could no longer be kept, so it was stopped.
        case diskFull
        /// Ended under `kanbots.scope-policy = stop` for writing this path.
        case outOfScope(String)
    }

    /// The agent as the supervisor sees it: its own child, or a process group
    /// adopted from a supervisor that died.
    enum AgentProcess {
        case child(pid_t)
        case adopted(pid_t)

        var groupID: pid_t {
            switch self {
            case .child(let pid), .adopted(let pid): pid
            }
        }

        /// nil while it runs; the ending once it is gone.
        func poll() -> ExitStatus?? {
            switch self {
            case .child(let pid):
                return ExitStatus.poll(pid).map { .some($0) }
            case .adopted(let pid):
                return ProcessProbe.isGroupAlive(pid) ? nil : .some(nil)
            }
        }
    }

    public func run() throws {
        let store = RunStore(repository)
        var record = try store.record(id)
        guard record.state == .queued else {
            throw KanbotsError.invalidArgument("run \(id) is \(record.state.rawValue), not queued; nothing to supervise")
        }
        let worktree = repository.absolutePath(record.worktree)
        let command: AgentCommand
        let confinement: AgentConfinement?
        let environment = AgentCatalog.environment(for: record, worktree: worktree)
        do {
            confinement = try AgentConfinement.configured(settings: Settings(repository))
            command = try agentCommand(for: record, confinement: confinement, environment: environment)
        } catch {
            try store.transition(id, to: .failed, reason: "agent_not_started: \(error)")
            throw error
        }
        // Dispatch hands over a reserve; a run started otherwise makes its own.
        if !FileManager.default.fileExists(atPath: reservePath) { try? DiskSpace.reserve(at: reservePath) }
        guard case .proceed(let services, let recordEnvironment) = try prepareEnvironment(record, worktree: worktree)
        else { return }
        self.services = services
        let spawned = command.spawned
        var spec = ProcessSpec(executable: spawned.executable, arguments: spawned.arguments, environment: environment)
        spec.standardOutput = .appending(repository.transcriptPath(id))
        spec.standardError = .appending(agentStderrPath)
        spec.newProcessGroup = true
        if record.agent == "codex" {
            codexRollout = CodexRolloutMeter(
                environment: spec.environment, prices: try AgentStreamMonitor.prices(settings: Settings(repository), repository: repository),
                model: record.model, resumedThread: record.replyTo != nil || record.resumesSession ? record.sessionID : nil)
        }
        let pid: pid_t
        do {
            guard chdir(worktree) == 0 else { throw KanbotsError.io("worktree \(worktree) is missing") }
            pid = try ProcessLauncher.spawn(spec)
        } catch {
            let logs = stopServices()
            defer { logs.values.forEach { unlink($0) } }
            let failed = try store.transition(id, to: .failed, reason: "agent_not_started: \(error)", diskFiles: logs)
            RunPorts.release(failed, repository: repository)
            throw error
        }
        record = try store.transition(id, to: .running) {
            $0.agentPID = pid
            $0.supervisorPID = getpid()
            $0.host = KanbotsRepository.hostName
            $0.sandbox = confinement == nil ? nil : "bwrap"
            recordEnvironment(&$0)
        }
        let ending = follow(.child(pid), record: record, refillingPool: WorktreePool(repository).size > 0)
        try finish(record: record, ending: ending)
    }

    /// Takes over a run whose supervisor died while its agent lives on: the
    /// stream is read again from the start of the transcript file (so the
    /// meter is exact) and followed from there; the run stays `running`.
    public func reattach() throws {
        let store = RunStore(repository)
        let record = try store.update(id) { record in
            guard record.state.isActive, let agent = record.agentPID, ProcessProbe.isGroupAlive(agent) else {
                throw KanbotsError.invalidArgument("run \(self.id) has no live agent to re-attach to")
            }
            record.supervisorPID = getpid()
            record.setExtra("Reattached", Timestamp.format(Date()))
            return true
        }
        try finish(record: record, ending: follow(.adopted(record.agentPID!), record: record))
    }

    func prompt(for record: RunRecord) throws -> String {
        // A run resumed after its agent died on an open question (Answerer).
        if let resume = record.extraValue("Reply-Message") { return resume }
        if record.replyTo != nil,
           let message = try RunStore(repository).attachment(RunRecord.replyMessageFile, of: record.id) {
            return String(decoding: message, as: UTF8.self)
        }
        let card = try CardStore(repository).card(record.card)
        let personaName = record.persona ?? Prompt.defaultPersona
        let personaText = PersonaStore(repository).text(for: personaName) ?? Prompt.builtInPersonas[Prompt.defaultPersona]!
        let text = Prompt.text(card: card, record: record, personaText: personaText)
        guard let context = try RunStore(repository).attachment(RunRecord.promptContextFile, of: record.id) else {
            return text
        }
        return text + "\n\n" + String(decoding: context, as: UTF8.self)
    }

    /// The supervision loop: read the stream as it grows, keep the live
    /// status, checkpoint now and then, stop the agent on a cap or a stop
    /// request.
    ///
    /// - Parameter refillingPool: start a refill of the worktree pool once
    ///   the agent is up.
    func follow(_ agent: AgentProcess, record: RunRecord, refillingPool: Bool = false) -> Ending {
        // Start-up is over and the agent runs: the code that got it here can
        // go, now, before following faults other code in (it keeps the peak
        // under 20 MB). Not before the spawn: reading /proc/self/smaps takes
        // milliseconds the agent would wait for.
        CodeResidency.release()
        // A refill starts a program and checks files out: it waits until the
        // agent has spoken (or had a second to), so that on a small machine
        // it does not compete with the agent's start.
        var refillPending = refillingPool
        let agentSettles = Date().addingTimeInterval(1)
        defer { if refillPending { PoolRefiller(repository).start(after: id) } }
        let runDirectory = repository.runDirectory(id)
        let tail = TranscriptTail(path: repository.transcriptPath(id))
        let checkpointEvery = (Settings(repository).string("kanbots.checkpoint-minutes").flatMap(Double.init) ?? 10) * 60
        var nextCheckpoint = Date().addingTimeInterval(checkpointEvery > 0 ? checkpointEvery : .infinity)
        var live = LiveStatus()
        live.agentPID = agent.groupID
        var lastWrite = Date.distantPast
        var stopping: (reason: Ending, deadline: Date)?
        let started = record.startedAt ?? record.createdAt
        let timeLimit = record.maxTime?.limit
        func stop(_ reason: Ending) {
            stopping = (reason, Date().addingTimeInterval(gracePeriod))
            // acp-client cancels the prompt (`session/cancel`) before its
            // agent gets a signal; the group's SIGKILL follows the grace period.
            kill(record.agentProtocol == AgentProtocol.acp.rawValue ? agent.groupID : -agent.groupID, SIGTERM)
        }
        var scope = ScopeWatch(repository: repository, record: record)
        while true {
            let lines = tail.readLines()
            for line in lines { monitor.consume(line) }
            if refillPending, !lines.isEmpty || Date() >= agentSettles {
                refillPending = false
                PoolRefiller(repository).start(after: id)
            }
            codexRollout?.poll(thread: monitor.sessionID)
            noteExitedServices()
            if let status = agent.poll() {
                // All of it: an agent that wrote megabytes and exited must be metered to its last line.
                tail.readRemainingLines { monitor.consume($0) }
                if let remainder = tail.takeRemainder() { monitor.consume(remainder) }
                writeLive(&live, offset: tail.offset, runDirectory: runDirectory)
                return stopping?.reason ?? .exited(status)
            }
            if stopping == nil {
                if let cap = record.capUSD, costUSD >= cap {
                    stop(.capped(costUSD))
                } else if let timeLimit, Date().timeIntervalSince(started) >= timeLimit {
                    stop(.timeCapped(Date().timeIntervalSince(started)))
                } else if receivedStopSignal != 0 {
                    stop(.stopped)
                } else if let path = scope?.pollIfDue() {
                    stop(.outOfScope(path))
                } else if DiskSpace.isFull(at: runDirectory) {
                    stop(.diskFull)
                }
            } else if let deadline = stopping?.deadline, Date() > deadline {
                kill(-agent.groupID, SIGKILL)
            }
            if !lines.isEmpty || Date().timeIntervalSince(lastWrite) > 2 {
                writeLive(&live, offset: tail.offset, runDirectory: runDirectory)
                lastWrite = Date()
            }
            if Date() > nextCheckpoint {
                checkpoint(record)
                nextCheckpoint = Date().addingTimeInterval(checkpointEvery)
            }
            if lines.isEmpty { sleepThread(seconds: pollInterval) }
        }
    }

    /// The run's cost so far: the stream's meter, or Codex's session log
    /// when it knows more (mid-turn).
    var costUSD: Double { max(monitor.costUSD, codexRollout?.costUSD ?? 0) }

    /// Commits whatever the agent has changed so far onto the run's branch.
    func checkpoint(_ record: RunRecord) {
        let worktree = repository.absolutePath(record.worktree)
        guard FileManager.default.fileExists(atPath: worktree), let checkout = try? Repository.open(at: worktree) else {
            return
        }
        _ = try? checkout.commitAllChanges(
            message: "kanbots: checkpoint of run \(record.id)\n\nKanbots-Run: \(record.id)\n",
            signature: checkout.defaultSignature())
    }

    /// The redacted copy attached to the final record (`TranscriptRedaction`).
    func writeRedactedTranscript() -> String? {
        TranscriptRedaction.write(from: repository.transcriptPath(id))
    }

    private func writeLive(_ live: inout LiveStatus, offset: Int64, runDirectory: String) {
        live.costUSD = costUSD
        live.turns = monitor.turns
        live.events = monitor.events
        live.offset = offset
        live.sessionID = monitor.sessionID
        live.model = monitor.model
        live.rateLimit = monitor.rateLimit
        live.updatedAt = Date()
        try? LiveStatusFile.write(live, runDirectory: runDirectory)
    }

    /// Commits what the agent left, notes its commits, records the end.
    func finish(record: RunRecord, ending: Ending) throws {
        // Following the agent is over; finishing runs other code.
        CodeResidency.release()
        let store = RunStore(repository)
        defer { DiskSpace.release(at: reservePath) }
        if case .diskFull = ending {
            // Free the space kept for this moment; a checkpoint could eat it.
            DiskSpace.release(at: reservePath)
        } else {
            checkpoint(record)
        }
        var noted = record
        noted.model = record.model ?? monitor.model
        _ = try? RunNotes(repository).annotate(noted)
        let tip = try repository.git.referenceTarget("refs/heads/" + record.branch)
        let changed = tip.map { $0.hex != record.startCommit } ?? false
        // The last writes before the agent ended, which no poll saw yet.
        var ending = ending
        var finalScope = ScopeWatch(repository: repository, record: record)
        if case .exited = ending, let path = finalScope?.pollNow() {
            ending = .outOfScope(path)
        }

        var (state, reason): (RunState, String?)
        switch ending {
        case .capped(let amount):
            (state, reason) = (.failed, "\(Reason.costCapped) \(String(printf: "%.4f", amount))")
        case .timeCapped(let seconds):
            (state, reason) = (.failed, "\(Reason.timeCapped) \(Int(seconds))s")
        case .stopped:
            (state, reason) = (.cancelled, Reason.stoppedByUser)
        case .outOfScope(let path):
            (state, reason) = (.failed, Reason.scopeViolation(path))
        case .exited(.some(.exited(0))),
             .exited(.none) where monitor.result != nil:
            if monitor.result?.isError == true {
                (state, reason) = (.failed, monitor.result?.subtype ?? "agent_error")
            } else {
                (state, reason) = (.completed, changed ? nil : Reason.noDiff)
            }
        case .exited(.some(.exited(let code))):
            // The agent's own account of a failure (Codex's `turn.failed` on a
            // 429 loop: `rate_limited`) names it better than its exit code.
            let stated = monitor.result.flatMap { $0.isError ? $0.subtype : nil }
            (state, reason) = (.failed, stated ?? Reason.agentExited(code))
        case .exited(.some(.signaled(let signal))):
            (state, reason) = Self.stopped(along: signal) ? (.cancelled, Reason.stoppedByUser) : (.failed, Reason.agentKilled(signal))
        case .exited(.none):
            (state, reason) = (.failed, "agent_exited unknown (adopted after a supervisor crash)")
        case .diskFull:
            (state, reason) = (.failed, Reason.diskFull)
        }
        var diskFiles: [String: String] = [:]
        var checks: ChecksResult?
        if state == .completed, changed, let tip, let outcome = runChecks(record: record, tip: tip.hex) {
            diskFiles[ChecksResult.logFile] = outcome.logPath
            if Self.stopRequested {
                (state, reason) = (.cancelled, Reason.stoppedByUser)
            } else {
                checks = outcome.result
            }
        }
        // Services live through the checks (which may need the database), then end.
        diskFiles.merge(stopServices()) { checks, _ in checks }
        let redacted = writeRedactedTranscript()
        if let redacted { diskFiles["transcript.ndjson"] = redacted }
        defer { diskFiles.values.forEach { unlink($0) } }
        let stderr = keptAgentStderr()
        let diagnosis = state == .failed
            ? AgentFailureDiagnosis(agent: record.agent, stderr: stderr.text, resultMessage: monitor.result?.message)
            : nil
        let denied = deniedWrites(stderr: stderr.text)
        func recordEnd(_ reason: String?, files: [String: String], attachments: [String: Data?]) throws {
            try store.transition(id, to: state, reason: reason, attachments: attachments, diskFiles: files) { record in
                if let checks { record.checks = checks }
                record.agentTested = self.monitor.agentTested
                for path in denied { record.addSandboxDenial(path) }
                record.agentError = diagnosis?.lastLine
                record.agentErrorFix = diagnosis?.fix
                record.costUSD = self.costUSD
                record.turns = self.monitor.turns
                record.sessionID = self.monitor.sessionID ?? record.sessionID
                if record.model == nil { record.model = self.monitor.model }
                if record.agentProtocol != nil { record.isMetered = self.monitor.isMetered }
            }
        }
        defer {
            RunPorts.release(record, repository: repository)
            if state == .failed {
                Notifier(repository).send(.failed, run: id, card: record.card, text: "run \(id) failed: \(reason ?? "")")
            }
        }
        do {
            try recordEnd(reason, files: diskFiles, attachments: stderr.attachment)
        } catch where !(diskFiles.isEmpty && stderr.attachment.isEmpty) && DiskSpace.isOutOfSpace(error) {
            // The end is recorded even when its transcript does not fit; the
            // transcript stays on this machine, in the run's folder.
            try recordEnd(Reason.diskFull, files: [:], attachments: [:])
        }
    }

    var reservePath: String { repository.runDirectory(id) + "/" + DiskSpace.reserveName }
}
