import ArgumentParser
import Foundation
import KanbotsCore
import KanbotsStore
import KanbotsSupervisor
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

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
    @Option(help: "Seconds to wait for each run to end.") var timeout: Double = 15

    func validate() throws {
        if all == (runID != nil) { throw ValidationError("give a run id or --all") }
    }

    func run() throws {
        let repository = try openRepository()
        let store = RunStore(repository)
        let ids: [RunID]
        if let runID {
            ids = [try resolveRun(runID, in: repository)]
        } else {
            ids = try RunIndex(repository).records().records
                .filter { $0.state.isActive && $0.host == KanbotsRepository.hostName }.map(\.id)
            if ids.isEmpty { print("no active runs") }
        }
        for id in ids {
            let record = try store.record(id)
            guard record.state.isActive else {
                print("run \(id) is already \(record.state.rawValue)")
                continue
            }
            let final = try Stopper(repository: repository).stop(record, timeout: timeout)
            print("run \(id): \(final.state.rawValue)\(final.reason.map { " (\($0))" } ?? "")")
        }
        let cards = ids.compactMap { try? store.record($0).card }
        GitHubCards.mirrorAfterChange(in: repository, cards: Set(cards))
    }
}
