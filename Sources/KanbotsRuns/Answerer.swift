import KanbotsCore
import KanbotsExecutors
import KanbotsStore
import KanbotsSystem

/// Answers a run's open question and makes sure someone acts on it: the
/// agent's decision server (it polls the record), a re-attached supervisor
/// when only the supervisor died, or a new supervisor that resumes the
/// agent's session with the answer when the agent is gone too.
public struct Answerer {
    let repository: KanbotsRepository

    public init(_ repository: KanbotsRepository) { self.repository = repository }

    public enum Delivery: Equatable, Sendable {
        /// The waiting agent gets it from its decision server.
        case delivered
        /// The supervisor had died; a new one was attached to the live agent.
        case reattached
        /// The agent was gone; its session was resumed with the answer.
        case resumed(session: String)
        /// The agent was gone and cannot be resumed: the run was recorded failed.
        case failed(reason: String)
    }

    public struct Result: Sendable {
        public var question: Question
        public var answer: Answer
        public var delivery: Delivery
    }

    public func answer(_ id: RunID, input: String?) throws -> Result {
        let store = RunStore(repository)
        let decisions = DecisionStore(repository)
        let record = try store.record(id)
        if record.executor.isRemote { return try answerRemote(record, input: input) }
        guard let asked = record.openQuestion else { throw DecisionStore.notWaiting(record) }
        let loader = BoardLoader(repository)
        let agentAlive = record.agentPID.map(ProcessProbe.isGroupAlive) ?? false
        if loader.liveness(of: record) != .gone {
            let (question, answer, _) = try decisions.answer(id, input: input)
            return Result(question: question, answer: answer, delivery: .delivered)
        }
        if agentAlive {
            // Attach a new supervisor while the agent still waits, and answer
            // once it has taken over: an agent released first could finish
            // before anyone watches it.
            let adopted = try Reconciler(repository).reconcile(adoptingOrphans: true, among: [record])
            if !adopted.isEmpty { waitForTakeover(of: id, from: record) }
            let (question, answer, _) = try decisions.answer(id, input: input)
            return Result(question: question, answer: answer, delivery: adopted.isEmpty ? .delivered : .reattached)
        }
        // Nobody is left to hear the answer: hold the run's lock (so no
        // reconciler or second answer interferes), record the answer with a
        // `queued` state and start a supervisor that resumes the session.
        let lock = try FileLock(path: repository.supervisorLockPath(id))
        guard lock.tryLock() else {
            // A supervisor appeared meanwhile: it will deliver the answer.
            let (question, answer, _) = try decisions.answer(id, input: input)
            return Result(question: question, answer: answer, delivery: .delivered)
        }
        let session = record.sessionID ?? LiveStatusFile.read(runDirectory: repository.runDirectory(id))?.sessionID
        guard record.agent == "claude", let session else {
            let reason = "cannot_resume: the \(record.agent) agent is gone"
                + (session == nil ? " and its session is unknown" : " and only claude sessions can be resumed")
            let (question, answer, _) = try decisions.answer(id, input: input, state: .failed) { run in
                run.reason = reason
                run.endedAt = Date()
            }
            return Result(question: question, answer: answer, delivery: .failed(reason: reason))
        }
        let (question, answer, _) = try decisions.answer(id, input: input, state: .queued) { run in
            run.sessionID = session
            run.resumesSession = true
            run.setExtra("Reply-Message", Self.resumePrompt(question: asked.text, answer: run.lastAnswer))
        }
        do {
            try SupervisorLauncher(repository).start(id, holding: lock, reattach: false)
        } catch {
            _ = try? store.transition(id, to: .failed, reason: "resume_failed: \(error)")
            throw error
        }
        return Result(question: question, answer: answer, delivery: .resumed(session: session))
    }

    /// Waits (briefly) until a re-attached supervisor has recorded itself.
    func waitForTakeover(of id: RunID, from record: RunRecord) {
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline {
            guard let current = try? RunStore(repository).record(id), current.state.isActive,
                  current.supervisorPID == record.supervisorPID else { return }
            sleepThread(seconds: 0.02)
        }
    }

    /// What the resumed agent is told: the question it asked and the answer.
    static func resumePrompt(question: String, answer: Answer?) -> String {
        "Your question \"\(question)\" was answered: "
            + (answer?.text ?? "(no answer)") + ". Continue the task with this decision."
    }
}
