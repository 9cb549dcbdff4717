import ArgumentParser
import Foundation
import KanbotsAutopilot
import KanbotsCore
import KanbotsStore
import KanbotsSupervisor
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

struct AutopilotStopCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stop",
        abstract: "Stop an autopilot session; with --kill, also every run it started.",
        discussion: """
            Without --kill the session's runs finish under their supervisors and caps; nothing new \
            is dispatched. The session is recorded as stopped (stopped_by_user).
            """
    )

    @Argument(help: "Session id (default: the newest).") var session: String?
    @Flag(help: "Also stop every run of the session that is still going.") var kill = false
    @Option(help: "Seconds to wait for the orchestrator and each run to end.") var timeout: Double = 15

    func run() throws {
        let repository = try openRepository()
        let store = SessionStore(repository)
        var session = try resolveSession(self.session, store: store)
        if session.state.isActive {
            if store.liveness(of: session) == .alive, let pid = session.orchestratorPID {
                askToStop(pid)
                let deadline = Date().addingTimeInterval(timeout)
                while store.liveness(of: session) == .alive, Date() < deadline {
                    Thread.sleep(forTimeInterval: 0.05)
                    session = try store.session(session.id)
                }
            }
            session = try store.update(session.id, event: "stopped by user") { current in
                guard current.state.isActive else { return false }
                current.state = .stopped
                current.stopReason = StopReason.stoppedByUser
                return true
            }
        }
        print("autopilot \(session.id): \(session.state.rawValue)\(session.stopReason.map { " (\($0))" } ?? "")")
        guard kill else { return }
        let runs = try RunIndex(repository).records().records
            .filter { $0.extraValue(AutopilotSession.runField) == session.id && $0.state.isActive }
        for record in runs {
            let final = try Stopper(repository: repository).stop(record, timeout: timeout)
            print("run \(record.id): \(final.state.rawValue)\(final.reason.map { " (\($0))" } ?? "")")
        }
    }
}

struct AutopilotResumeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "resume",
        abstract: "Continue a lost or stopped session with a new orchestrator.",
        discussion: """
            The session's runs are read back from git, so no card it already dispatched is \
            dispatched again; runs still going count against its slots and budget.
            """
    )

    @Argument(help: "Session id (default: the newest).") var session: String?

    func run() throws {
        let repository = try openInitializedRepository()
        let store = SessionStore(repository)
        let session = try resolveSession(self.session, store: store)
        if !session.host.isEmpty, session.host != KanbotsRepository.hostName {
            throw KanbotsError.invalidArgument("autopilot session \(session.id) runs on \(session.host); resume it there")
        }
        try FileManager.default.createDirectory(atPath: store.directory(session.id), withIntermediateDirectories: true)
        let lock = try FileLock(path: store.lockPath(session.id))
        guard lock.tryLock() else {
            throw KanbotsError.invalidArgument("autopilot session \(session.id) is running; nothing to resume")
        }
        try store.update(session.id, event: "resumed by user") { current in
            current.state = .running
            current.stopReason = nil
            return true
        }
        let pid = try OrchestratorLauncher(repository).start(session.id, holding: lock)
        print("autopilot \(session.id) resumed (orchestrator pid \(pid))")
    }
}

/// At file scope because the command's `kill` flag hides the C function inside it.
private func askToStop(_ pid: Int32) { _ = kill(pid, SIGTERM) }
