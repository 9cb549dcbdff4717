import KanbotsCore
import KanbotsStore

/// A run's setup (docs/environment.md): the repository's `kanbots.setup`
/// commands, then the card's own. The supervisor runs it before the agent;
/// `git kanbots setup RUN` runs it again.
public struct RunSetup {
    let repository: KanbotsRepository

    public init(repository: KanbotsRepository) { self.repository = repository }

    /// The commands for a run, in the order they run.
    public func commands(for record: RunRecord, settings: EnvironmentSettings) -> [String] {
        settings.setupCommands + ((try? CardStore(repository).card(record.card))?.setup ?? [])
    }

    /// `git kanbots setup RUN`: brings the included files and links in again
    /// (what is there already stays), runs the setup commands in the run's
    /// worktree with the run's variables (its recorded ports, which another
    /// run may hold by now: the setup should not serve on them), and records
    /// the result and `setup.log`. Refuses what `check` refuses.
    public func rerun(_ id: RunID, onStart: @escaping (Int, Int, String) -> Void = { _, _, _ in }) throws -> RunRecord {
        let settings = try EnvironmentSettings(Settings(repository))
        let record = try RunStore(repository).record(id)
        let commands = commands(for: record, settings: settings)
        let preparation = EnvironmentPreparation(repository: repository, settings: settings)
        guard preparation.isNeeded(setupCommands: commands) else {
            throw KanbotsError.invalidArgument(
                "no setup configured; add one with `git config --add kanbots.setup 'npm ci'` "
                    + "or `git kanbots card edit \(record.card) --setup CMD`, or list ignored files in .worktreeinclude")
        }
        let worktree = try FinishedRunWorktree(id, repository: repository, purpose: "setup")
        let folder = repository.absolutePath(record.worktree)
        return try FinishedRunWorktree.interruptible { isInterrupted in
            let environment = ProjectCommandRunner.environment()
                .merging(RunVariables(record: worktree.record, worktree: folder).marked(for: id)) { _, run in run }
            let outcome = preparation.prepare(
                worktree: folder, includingFiles: true, setupCommands: commands, environment: environment,
                logDirectory: repository.runDirectory(id), shouldStop: isInterrupted, onStart: { onStart($0, commands.count, $1) })
            switch outcome {
            case .stopped(let log):
                log.map { _ = unlink($0) }
                throw KanbotsError.invalidArgument("setup of run \(id) interrupted; nothing recorded")
            case .failed(let reason, nil, _):
                throw KanbotsError.invalidArgument(reason)
            case .ready(let included, let result, let log):
                return try recordOutcome(result, log: log, included: included, of: id)
            case .failed(_, let result?, let log):
                return try recordOutcome(result, log: log, included: [], of: id)
            }
        }
    }

    /// Records a setup outcome on the run (an update, not a transition).
    private func recordOutcome(_ result: ChecksResult?, log: String?, included: [IncludedPath], of id: RunID) throws -> RunRecord {
        defer { log.map { _ = unlink($0) } }
        return try RunStore(repository).update(id, diskFiles: log.map { [RunRecord.setupLogFile: $0] } ?? [:]) { record in
            let known = Set(record.included)
            record.included += included.map(\.recordText).filter { !known.contains($0) }
            if let result { record.setup = result }
            return true
        }
    }
}
