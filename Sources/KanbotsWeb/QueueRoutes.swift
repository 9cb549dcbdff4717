import Foundation
import Hummingbird
import KanbotsApp
import KanbotsCore
import KanbotsReview
import KanbotsStore

/// The review queue on the page (docs/web.md): the inbox, the review queue
/// with each card's attempts, the landing plan, and landing one run or every
/// ready one, each through the same KanbotsApp use case as `inbox`,
/// `review`, `land --plan`, `land RUN` and `land --ready`.
struct QueueRoutes: Sendable {
    let api: API
    let actions: Actions

    /// `check` defaults to whether the repository configures checks
    /// (`kanbots.check`): the page lands with them when there are some.
    struct Land: Decodable { var check: Bool? }

    func register(on router: Router<BasicRequestContext>) {
        router.get("/api/inbox") { _, _ in
            try await api.read { repository in try Inbox.load(repository).items }
        }
        router.get("/api/review") { _, _ in
            try await api.read { repository in ReviewQueueJSON(try ReviewQueue.load(repository)) }
        }
        router.get("/api/land/plan") { _, _ in
            try await api.read { repository in LandingPlanJSON(plan: try Landing(repository).plan()) }
        }
        router.post("/api/runs/:run/land") { request, context in
            let text = try context.parameters.require("run")
            let body = try await actions.decode(Land.self, request, context)
            return try await api.change { repository in
                let check = body.check ?? !Settings(repository).checkCommands.isEmpty
                return try landed(Landing(repository).land([try resolveRun(text, in: repository)], check: check))
            }
        }
        router.post("/api/land-ready") { request, context in
            let body = try await actions.decode(Land.self, request, context)
            return try await api.change { repository in
                let check = body.check ?? !Settings(repository).checkCommands.isEmpty
                return try landed(Landing(repository).land([], check: check))
            }
        }
    }

    /// What landed; a landing that stopped (checks failed, branch moved) is
    /// the CLI's one-line error, after the runs before it landed.
    func landed(_ result: Landing.Result) throws -> LandJSON {
        if let stopped = result.stoppedError { throw stopped }
        return LandJSON(result)
    }
}
