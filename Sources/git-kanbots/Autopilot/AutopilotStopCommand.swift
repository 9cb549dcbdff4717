import ArgumentParser
import Foundation
import KanbotsApp
import KanbotsAutopilot
import KanbotsCore
import KanbotsStore

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
    @Option(help: "Seconds to wait for the orchestrator and each run to end.") var timeout: Double = RunActions.defaultStopTimeout

    func run() throws {
        let (session, stopped) = try AutopilotActions(try openRepository()).stop(self.session, killRuns: kill, timeout: timeout)
        print("autopilot \(session.id): \(session.state.rawValue)\(session.stopReason.map { " (\($0))" } ?? "")")
        for final in stopped {
            print("run \(final.id): \(final.state.rawValue)\(final.reason.map { " (\($0))" } ?? "")")
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
        let (session, pid) = try AutopilotActions(try openInitializedRepository()).resume(self.session)
        print("autopilot \(session.id) resumed (orchestrator pid \(pid))")
    }
}
