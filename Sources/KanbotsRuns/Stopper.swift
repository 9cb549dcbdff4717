import KanbotsCore
import KanbotsExecutors
import KanbotsStore
import KanbotsSystem

/// Ends a run on request, through its supervisor when it is alive (so the
/// supervisor records the ending), directly otherwise.
public struct Stopper {
    let repository: KanbotsRepository

    public init(repository: KanbotsRepository) { self.repository = repository }

    /// How long `stop` waits for a run to end by default: its supervisor's
    /// grace to end the agent (3 s), record the end and push a remote one.
    public static let defaultTimeout: TimeInterval = 15

    public func stop(_ record: RunRecord, timeout: TimeInterval) throws -> RunRecord {
        if record.executor.isRemote { return try stopRemote(record, timeout: timeout) }
        let store = RunStore(repository)
        let loader = BoardLoader(repository)
        let deadline = Date().addingTimeInterval(timeout)
        // A run still being dispatched has no supervisor pid yet: wait for it.
        var current = record
        while current.state == .queued, current.supervisorPID == nil, loader.liveness(of: current) == .alive,
              Date() < deadline {
            sleepThread(seconds: 0.05)
            current = try store.record(record.id)
        }
        if loader.liveness(of: current) == .alive, let supervisor = current.supervisorPID {
            kill(supervisor, SIGTERM)
            while Date() < deadline {
                current = try store.record(record.id)
                if current.state.isFinished { return current }
                if loader.liveness(of: current) == .gone { break }
                sleepThread(seconds: 0.05)
            }
        }
        // No supervisor to do it: end the agent's group ourselves and record it.
        if let agent = current.agentPID, ProcessProbe.isGroupAlive(agent) {
            kill(-agent, SIGTERM)
            let grace = Date().addingTimeInterval(3)
            while ProcessProbe.isGroupAlive(agent), Date() < grace { sleepThread(seconds: 0.05) }
            if ProcessProbe.isGroupAlive(agent) { kill(-agent, SIGKILL) }
        }
        return try store.update(record.id) { run in
            guard run.state.isActive else { return false }
            run.state = .cancelled
            run.reason = Reason.stoppedByUser
            run.endedAt = Date()
            return true
        }
    }

    /// A run in an engine's job: the engine stops the job (scancel), whose
    /// supervisor records `cancelled` and pushes it. Once the engine no
    /// longer knows the job, the remote's record is fetched; if the job
    /// could not record its ending, this side records it.
    func stopRemote(_ record: RunRecord, timeout: TimeInterval) throws -> RunRecord {
        let executor = try Executors.executor(for: record, repository: repository)
        try executor.requestStop(record)
        let queue = EngineQueue(repository, kind: record.executor)
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            queue.invalidate()
            if executor.liveness(of: record) == .gone { break }
            sleepThread(seconds: 0.2)
        }
        _ = try? Synchronizer(repository, remote: Settings(repository).executorRemote).sync(push: false)
        return try RunStore(repository).update(record.id) { run in
            guard run.state.isActive else { return false }
            run.state = .cancelled
            run.reason = Reason.stoppedByUser
            run.endedAt = Date()
            return true
        }
    }
}
