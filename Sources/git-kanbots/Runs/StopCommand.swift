import ArgumentParser
import Foundation
import KanbotsApp
import KanbotsCore
import KanbotsStore

struct StopCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stop",
        abstract: "Stop a run (or every run with --all): the kill switch.",
        discussion: """
            Asks the run's supervisor to end the agent's whole process group (SIGTERM, then \
            SIGKILL after a grace period) and record the run as cancelled (stopped_by_user). If the \
            supervisor is already gone but its agent lives on, the agent is ended directly.
            """
    )

    @Argument(help: "The run id.") var runID: String?
    @Flag(help: "Stop every active run of this repository on this machine.") var all = false
    @Option(help: "Seconds to wait for each run to end.") var timeout: Double = RunActions.defaultStopTimeout

    func validate() throws {
        if all == (runID != nil) { throw ValidationError("give a run id or --all") }
    }

    func run() throws {
        let repository = try openRepository()
        let actions = RunActions(repository)
        let ids: [RunID]
        if let runID {
            ids = [try resolveRun(runID, in: repository)]
        } else {
            ids = try actions.activeRunsOnThisHost()
            if ids.isEmpty { print("no active runs") }
        }
        let (results, mirrored) = try actions.stop(ids, timeout: timeout)
        for result in results {
            switch result {
            case .alreadyEnded(let record):
                print("run \(record.id) is already \(record.state.rawValue)")
            case .stopped(let final):
                print("run \(final.id): \(final.state.rawValue)\(final.reason.map { " (\($0))" } ?? "")")
            }
        }
        report(mirrored)
    }
}
