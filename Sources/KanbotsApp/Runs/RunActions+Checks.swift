import KanbotsCore
import KanbotsEnvironment
import KanbotsStore

/// Running a finished run's project commands again: its checks (`check`) and
/// its setup (`setup`), each recorded with the run like the supervisor's own.
extension RunActions {
    /// Told as each command starts: its position (from 0), how many there are, the command.
    public typealias CommandStart = (_ index: Int, _ count: Int, _ command: String) -> Void

    /// Runs the repository's checks, then the card's, in the run's worktree
    /// on its branch tip; the result replaces the recorded checks.
    public func check(_ id: RunID, onStart: @escaping CommandStart = { _, _, _ in }) throws -> RunRecord {
        try RunChecks(repository: repository).rerun(id, onStart: onStart).record
    }

    /// Runs the run's setup commands again in its worktree; the result replaces the recorded setup.
    public func setUp(_ id: RunID, onStart: @escaping CommandStart = { _, _, _ in }) throws -> RunRecord {
        try RunSetup(repository: repository).rerun(id, onStart: onStart)
    }
}
