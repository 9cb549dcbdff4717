import ArgumentParser
import Foundation
import KanbotsAutopilot
import KanbotsStore

/// The detached process `autopilot start` and `resume` launch. Not for direct use.
struct AutopilotRunOrchestratorCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run-orchestrator",
        abstract: "Run an autopilot session's orchestrator (started by autopilot start; not for direct use).",
        shouldDisplay: false
    )

    @Argument var session: String
    @Option var repository: String

    func run() throws {
        Orchestrator.detach()
        let repository = try KanbotsRepository(discoveringFrom: self.repository)
        let store = SessionStore(repository)
        _ = try store.session(session)
        let lock: FileLock
        if let text = ProcessInfo.processInfo.environment["KANBOTS_LOCK_FD"], let fd = Int32(text) {
            lock = FileLock(inheritedDescriptor: fd, path: store.lockPath(session))
        } else {
            lock = try FileLock(path: store.lockPath(session))
            guard lock.tryLock() else {
                throw KanbotsError.invalidArgument("autopilot session \(session) already has a live orchestrator")
            }
        }
        let orchestrator = Orchestrator(
            repository: repository, id: session, lock: lock, options: OrchestratorOptions(settings: Settings(repository)))
        try orchestrator.run()
    }
}
