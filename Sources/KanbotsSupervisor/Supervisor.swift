import Foundation
import KanbotsCore
import KanbotsGit
import KanbotsStore
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The signal that asked the supervisor to stop, set from a signal handler.
nonisolated(unsafe) private var receivedStopSignal: Int32 = 0

/// Watches one run from start to end: spawns the agent in its own process
/// group inside the worktree, follows its stream, meters and caps its cost,
/// checkpoints its work and records every transition.
///
/// It runs as its own detached process (`git-kanbots supervise ID`) holding
/// the run's lock for its whole life: the lock is how everyone else knows it
/// is alive.
public final class Supervisor {
    let repository: KanbotsRepository
    let id: RunID
    let lock: FileLock
    var monitor: StreamMonitor
    /// Seconds between SIGTERM and SIGKILL when stopping an agent.
    public var gracePeriod: TimeInterval = 3
    public var pollInterval: TimeInterval = 0.05

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

    enum Ending {
        case exited(ExitStatus)
        case capped(Double)
        case stopped
    }

    public func run() throws {
        let store = RunStore(repository)
        let settings = Settings(repository)
        var record = try store.record(id)
        guard record.state == .queued else {
            throw KanbotsError.invalidArgument("run \(id) is \(record.state.rawValue), not queued; nothing to supervise")
        }
        let card = try CardStore(repository).card(record.card)
        let personaName = record.persona ?? Prompt.defaultPersona
        let personaText = settings.string("kanbots.persona.\(personaName)")
            ?? Prompt.builtInPersonas[personaName] ?? Prompt.builtInPersonas[Prompt.defaultPersona]!
        let prompt = Prompt.text(card: card, record: record, personaText: personaText)
        let worktree = repository.absolutePath(record.worktree)
        let command = try AgentCatalog.command(for: record, prompt: prompt, settings: settings)

        let runDirectory = repository.runDirectory(id)
        let transcript = repository.transcriptPath(id)
        var spec = ProcessSpec(
            executable: command.executable, arguments: command.arguments,
            environment: AgentCatalog.environment(for: record, worktree: worktree))
        spec.standardOutput = .appending(transcript)
        spec.standardError = .appending(runDirectory + "/agent.stderr")
        spec.newProcessGroup = true
        guard chdir(worktree) == 0 else { throw KanbotsError.io("worktree \(worktree) is missing") }
        let pid: pid_t
        do {
            pid = try ProcessLauncher.spawn(spec)
        } catch {
            try store.transition(id, to: .failed, reason: "agent_not_started: \(error)")
            throw error
        }
        record = try store.transition(id, to: .running) {
            $0.agentPID = pid
            $0.supervisorPID = getpid()
            $0.host = KanbotsRepository.hostName
        }
        let ending = follow(agent: pid, transcript: transcript, runDirectory: runDirectory, cap: record.capUSD)
        try finish(record: record, ending: ending)
    }

    /// The supervision loop: read the stream as it grows, keep the live
    /// status, stop the agent on a cap or a stop request.
    func follow(agent pid: pid_t, transcript: String, runDirectory: String, cap: Double?) -> Ending {
        let tail = TranscriptTail(path: transcript)
        var live = LiveStatus()
        live.agentPID = pid
        var lastWrite = Date.distantPast
        var stopping: (reason: Ending, deadline: Date)?
        while true {
            let lines = tail.readLines()
            for line in lines { monitor.consume(line) }
            if let status = ExitStatus.poll(pid) {
                for line in tail.readLines() { monitor.consume(line) }
                if let remainder = tail.takeRemainder() { monitor.consume(remainder) }
                writeLive(&live, offset: tail.offset, runDirectory: runDirectory)
                return stopping?.reason ?? .exited(status)
            }
            if stopping == nil {
                if let cap, monitor.costUSD > cap {
                    stopping = (.capped(monitor.costUSD), Date().addingTimeInterval(gracePeriod))
                    kill(-pid, SIGTERM)
                } else if receivedStopSignal != 0 {
                    stopping = (.stopped, Date().addingTimeInterval(gracePeriod))
                    kill(-pid, SIGTERM)
                }
            } else if let deadline = stopping?.deadline, Date() > deadline {
                kill(-pid, SIGKILL)
            }
            if !lines.isEmpty || Date().timeIntervalSince(lastWrite) > 2 {
                writeLive(&live, offset: tail.offset, runDirectory: runDirectory)
                lastWrite = Date()
            }
            if lines.isEmpty { Thread.sleep(forTimeInterval: pollInterval) }
        }
    }

    private func writeLive(_ live: inout LiveStatus, offset: Int64, runDirectory: String) {
        live.costUSD = monitor.costUSD
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
        let store = RunStore(repository)
        let worktree = repository.absolutePath(record.worktree)
        if FileManager.default.fileExists(atPath: worktree) {
            let checkout = try Repository.open(at: worktree)
            _ = try? checkout.commitAllChanges(
                message: "kanbots: checkpoint of run \(record.id)\n\nKanbots-Run: \(record.id)\n",
                signature: checkout.defaultSignature())
        }
        var noted = record
        noted.model = record.model ?? monitor.model
        _ = try? RunNotes(repository).annotate(noted)
        let tip = try repository.git.referenceTarget("refs/heads/" + record.branch)
        let changed = tip.map { $0.hex != record.baseCommit } ?? false

        let (state, reason): (RunState, String?)
        switch ending {
        case .capped(let amount):
            (state, reason) = (.failed, "\(Reason.costCapped) \(String(format: "%.4f", amount))")
        case .stopped:
            (state, reason) = (.cancelled, Reason.stoppedByUser)
        case .exited(.exited(0)):
            if monitor.result?.isError == true {
                (state, reason) = (.failed, monitor.result?.subtype ?? "agent_error")
            } else {
                (state, reason) = (.completed, changed ? nil : Reason.noDiff)
            }
        case .exited(.exited(let code)):
            (state, reason) = (.failed, Reason.agentExited(code))
        case .exited(.signaled(let signal)):
            (state, reason) = (.failed, Reason.agentKilled(signal))
        }
        try store.transition(id, to: state, reason: reason) { record in
            record.costUSD = self.monitor.costUSD
            record.turns = self.monitor.turns
            record.sessionID = self.monitor.sessionID ?? record.sessionID
            if record.model == nil { record.model = self.monitor.model }
        }
    }
}
