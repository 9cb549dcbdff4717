import KanbotsCore
import KanbotsRuns
import KanbotsStore

/// Several attempts of one card at once (`dispatch --attempts N`; the
/// autopilot's and the merge queue's attempts build on it): docs/review.md,
/// "Attempts".
extension RunActions {
    /// How many attempts, and the agents and models they take in turn
    /// (in KanbotsRuns, since autopilot's `--attempts` reads it too).
    public typealias AttemptPlan = KanbotsRuns.AttemptPlan

    public struct AttemptsStarted {
        public var started: [Dispatched]
        /// The attempt (from 0) that did not start, and why; those before it keep running.
        public var failure: (attempt: Int, error: any Error)?
    }

    /// Dispatches the plan's attempts one after the other (each returns at
    /// once). The first one's error is thrown, as for a single dispatch;
    /// a later one's is returned with the attempts already started.
    public func dispatchAttempts(_ input: DispatchInput, plan: AttemptPlan) throws -> AttemptsStarted {
        var started: [Dispatched] = []
        for attempt in 0..<plan.count {
            var one = input
            one.agent = plan.agent(attempt) ?? input.agent
            one.model = plan.model(attempt) ?? input.model
            do {
                started.append(try dispatch(one))
            } catch where !started.isEmpty {
                return AttemptsStarted(started: started, failure: (attempt, error))
            }
        }
        return AttemptsStarted(started: started, failure: nil)
    }
}
