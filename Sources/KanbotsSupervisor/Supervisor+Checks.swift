import KanbotsCore
import KanbotsEnvironment
import KanbotsStore

extension Supervisor {
    /// Runs the run's checks on its branch tip once the agent is done. The
    /// run stays `running` meanwhile and the live status says `checking`,
    /// which the board shows; a stop request ends the checks too. Nil when
    /// the run has no checks configured.
    func runChecks(record: RunRecord, tip: String) -> RunChecks.Outcome? {
        let checks = RunChecks(repository: repository)
        guard let commands = try? checks.commands(for: record), !commands.isEmpty else { return nil }
        let runDirectory = repository.runDirectory(id)
        var live = LiveStatusFile.read(runDirectory: runDirectory) ?? LiveStatus()
        live.phase = .checking
        live.updatedAt = Date()
        try? LiveStatusFile.write(live, runDirectory: runDirectory)
        defer {
            live.phase = nil
            try? LiveStatusFile.write(live, runDirectory: runDirectory)
        }
        // A bad timeout in config must not leave the run unchecked: use the default.
        let timeout = (try? Settings(repository).checkTimeout(default: ProjectCommandRunner.defaultTimeout))
            ?? ProjectCommandRunner.defaultTimeout
        return checks.run(commands, for: record, commit: tip, timeout: timeout,
                          shouldStop: { Supervisor.stopRequested })
    }
}
