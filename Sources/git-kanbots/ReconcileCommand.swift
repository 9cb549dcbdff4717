import ArgumentParser
import KanbotsStore
import KanbotsSupervisor

struct ReconcileCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reconcile",
        abstract: "Record the end of runs whose supervisor is gone.",
        discussion: "board and status do this too; this command says what it did."
    )

    func run() throws {
        let repository = try openRepository()
        let outcomes = try Reconciler(repository).reconcile()
        if outcomes.isEmpty { print("every active run has a live supervisor; nothing to do") }
        for outcome in outcomes {
            print("run \(outcome.id): recorded \(outcome.state.rawValue) (\(outcome.reason))")
            if let pid = outcome.orphanedAgentPID {
                print("  its agent (process group \(pid)) is still running; `git kanbots stop \(outcome.id)` ends it")
            }
        }
    }
}
