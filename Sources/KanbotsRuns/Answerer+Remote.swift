import KanbotsCore
import KanbotsStore

extension Answerer {
    /// A remote run's agent waits in its job, whose only channel is the
    /// remote: the answer is recorded onto the question as the remote has it
    /// and pushed there (fast-forward only); the job's relay fetches it
    /// within a second and the agent's decision server delivers it
    /// (docs/executors.md, "Decisions").
    func answerRemote(_ record: RunRecord, input: String?) throws -> Result {
        let id = record.id
        let remote = Settings(repository).executorRemote
        let sync = try Synchronizer(repository, remote: remote)
        // The question as the job pushed it: the answer must sit on that tip.
        sync.fetchRun(id)
        let current = try RunStore(repository).record(id)
        guard current.openQuestion != nil else { throw DecisionStore.notWaiting(current) }
        guard BoardLoader(repository).liveness(of: current) != .gone else {
            throw ExecutorError("run \(id)'s \(current.executor.rawValue) job is gone, so nothing waits for an answer; "
                + "`git kanbots sync` brings its last record, `git kanbots dispatch \(current.card)` starts it again")
        }
        let ref = KanbotsRepository.runsRefPrefix + id.description
        let asked = try repository.git.referenceTarget(ref)
        let (question, answer, _) = try DecisionStore(repository).answer(id, input: input)
        guard try sync.pushRun(id) else {
            // The remote's record moved past the question (its timeout took the
            // default in the job, or another clone answered): that answer is the
            // one the agent got. Ours is taken back so the record does not say otherwise.
            if let asked, let answered = try repository.git.referenceTarget(ref) {
                try? repository.git.updateReference(ref, to: asked, expecting: answered, message: "kanbots answer: refused by the remote")
            }
            _ = try? sync.sync(push: false)
            throw ExecutorError("run \(id)'s question was settled on '\(remote)' before this answer arrived "
                + "(its --decide-after default, or another clone); `git kanbots show \(id)` shows the answer it got")
        }
        return Result(question: question, answer: answer, delivery: .delivered)
    }
}
