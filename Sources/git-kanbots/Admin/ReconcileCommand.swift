import ArgumentParser
import KanbotsApp
import KanbotsStore

struct ReconcileCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reconcile",
        abstract: "Repair runs whose supervisor is gone: re-attach to live agents, record the rest.",
        discussion: """
            A run whose supervisor died but whose agent still runs gets a new supervisor, which \
            reads the transcript from the start (so no event and no cent is lost) and follows it on; \
            the run stays running. A run whose agent is gone too is recorded as failed \
            (supervisor_lost). board and status do the recording part on their own.
            """
    )

    func run() throws {
        let repository = try openRepository()
        let outcomes = try BoardQuery(repository).reconcile()
        if outcomes.isEmpty { print("every active run has a live supervisor; nothing to do") }
        for outcome in outcomes {
            if outcome.reason == "reattached" {
                print("run \(outcome.id): its agent outlived its supervisor; a new supervisor took over (still \(outcome.state.rawValue))")
                continue
            }
            print("run \(outcome.id): recorded \(outcome.state.rawValue) (\(outcome.reason))")
            if let pid = outcome.orphanedAgentPID {
                print("  its agent (process group \(pid)) is still running; `git kanbots stop \(outcome.id)` ends it")
            }
        }
    }
}
