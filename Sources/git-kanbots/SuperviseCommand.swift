import ArgumentParser
import Foundation
import KanbotsAgents
import KanbotsCore
import KanbotsStore
import KanbotsSupervisor

/// The detached per-run process `dispatch` starts. Not for direct use.
struct SuperviseCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "supervise",
        abstract: "Supervise one run (started by dispatch; not for direct use).",
        shouldDisplay: false
    )

    @Argument var runID: String
    @Option var repository: String
    @Flag var reattach = false

    func run() throws {
        Supervisor.detach()
        let repository = try KanbotsRepository(discoveringFrom: self.repository)
        guard let id = RunID(runID) else { throw KanbotsError.unknownRun(runID) }
        let lockPath = repository.supervisorLockPath(id)
        let lock: FileLock
        if let text = ProcessInfo.processInfo.environment["KANBOTS_LOCK_FD"], let fd = Int32(text) {
            lock = FileLock(inheritedDescriptor: fd, path: lockPath)
        } else {
            lock = try FileLock(path: lockPath)
            guard lock.tryLock() else {
                throw KanbotsError.invalidArgument("run \(id) already has a live supervisor")
            }
        }
        let record = try RunStore(repository).record(id)
        let settings = Settings(repository)
        let prices = try AgentStreamMonitor.prices(settings: settings, repository: repository)
        let monitor = AgentStreamMonitor(
            record: record, prices: prices, testCommands: settings.testCommands ?? AgentTestDetector.defaultTestCommands)
        let supervisor = Supervisor(repository: repository, id: id, lock: lock, monitor: monitor)
        // Its log is the supervisor's stderr: one line on what it cost, for the benchmarks.
        defer { FileHandle.standardError.write(Data("supervisor: done \(ResourceUsage.current())\n".utf8)) }
        if reattach {
            try supervisor.reattach()
        } else {
            try supervisor.run()
        }
    }
}
