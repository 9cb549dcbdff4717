import KanbotsCore
import KanbotsSystem

extension Supervisor {
    /// Whether an agent killed by `signal` was part of a stop asked of us.
    /// An engine's stop (`scancel`) signals every process of the job at
    /// once, the agent along with us, and the agent's end may be seen before
    /// our own SIGTERM: for a SIGTERM'd agent, ours is given a moment to arrive.
    static func stopped(along signal: Int32) -> Bool {
        let deadline = Date().addingTimeInterval(signal == SIGTERM ? 0.3 : 0)
        while !stopRequested, Date() < deadline { sleepThread(seconds: 0.02) }
        return stopRequested
    }
}
