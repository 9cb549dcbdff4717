import Foundation
import Testing

/// Autopilot and `stop --all` over remote runs on the private cluster
/// (the same serialized suite as SlurmTests: one cluster at a time).
extension SlurmTests {
    @Test func autopilotOnSlurmSpreadsOverBothNodesWithinItsBudget() throws {
        try Self.with(nodes: 2, cards: 6) { sandbox, cluster in
            try sandbox.gitOK("config", "kanbots.remote.checkpoint", "1s")
            // $1.00 a run, held at work until the gate exists, so the four runs overlap.
            let gate = sandbox.root + "/gate"
            try sandbox.installFakeAgent("claude", script: HeavySuites.AutopilotTests.scriptedAgent(inputTokens: 1_000_000, gate: gate))
            let started = try sandbox.run(try KanbotsBinary.path(), [
                "autopilot", "start", "--json", "--on", "slurm", "--parallel", "4", "--budget", "3.5",
                "--run-cap", "2", "--agent", "claude",
            ], environment: ["KANBOTS_AUTOPILOT_POLL_SECONDS": "0.1", "KANBOTS_AUTOPILOT_REMOTE_SYNC_SECONDS": "0.5"])
            struct Started: Decodable { var id: String }
            let session = try JSON.decode(Started.self, from: started).id

            // Each run is metered from its first checkpoint before the next is
            // dispatched: three leave $0.50, the fourth reaches the budget.
            let running = ProcessProbe.waitUntil(timeout: 120, interval: 0.3) {
                (try? cluster.queue())?.filter { $0.contains("|RUNNING|") }.count == 4
            }
            let queue = try cluster.queue()
            #expect(running, "four jobs never ran at once: \(queue)")
            let nodes = Set(queue.compactMap { $0.split(separator: "|").last.map(String.init) })
            #expect(nodes == ["n1", "n2"], "the jobs did not spread over both nodes: \(queue)")
            try sandbox.write(gate, "")

            let final = try Self.waitForSession(sandbox, session)
            #expect(final.stopReason == "budget_reached 4.00", "\(final)")
            #expect(final.dispatched == 4 && final.completed == 4 && final.failed == 0, "\(final)")
            #expect(final.spentUSD - final.budgetUSD <= final.runCapUSD, "overspent: \(final)")
            // Where the session's runs go, in text and JSON.
            struct On: Decodable { var executor: String? }
            let status = try sandbox.kanbotsOK("autopilot", "status", "--json", session)
            #expect(try JSON.decode(On.self, from: status).executor == "slurm", "\(status)")
            #expect(try sandbox.kanbotsOK("autopilot", "status", session).stdout.contains("\n  on        slurm\n"))
            let story = try sandbox.gitOK("log", "--reverse", "--format=%s", "refs/kanbots/sessions/\(session)")
            #expect(story.components(separatedBy: ": dispatched run").count == 5, "\(story)")
            #expect(try sandbox.runs().filter { $0.recordedState == "completed" }.count == 4)
            // The jobs leave the queue once their last push is done.
            try Self.waitForQueue(cluster) { $0.isEmpty }
        }
    }

    @Test func stopAllCancelsRemoteRunsWithTheLocalOnes() throws {
        try Self.with(nodes: 2, cards: 3) { sandbox, cluster in
            let slow = ["KANBOTS_DEMO_STEP_SECONDS": "1", "KANBOTS_DEMO_TURNS": "60"]
            let remote = try [1, 2].map { try Self.submit(sandbox, card: $0, environment: slow) }
            let local = try sandbox.dispatch(3, [], environment: slow).id
            for id in remote { _ = try sandbox.syncUntil(id, state: "running") }
            try Self.waitForQueue(cluster) { $0.filter { $0.contains("|RUNNING|") }.count == 2 }

            let stopped = try sandbox.kanbots("stop", "--all", timeout: 120)
            expectSuccess(stopped)
            for id in remote + [local] {
                let record = try sandbox.record(id)
                #expect(record["State"] == "cancelled", "run \(id): \(record)")
            }
            let left = try cluster.queue()
            #expect(left.isEmpty, "scancel left jobs: \(left)")
            // The jobs' own records of the ending arrive too; the runs stay cancelled.
            try sandbox.kanbotsOK("sync")
            for id in remote { #expect(try sandbox.record(id)["State"] == "cancelled") }
        }
    }

    static func waitForSession(_ sandbox: Sandbox, _ session: String, timeout: TimeInterval = 120) throws -> SessionInfo {
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            let info = try JSON.decode(SessionInfo.self, from: try sandbox.kanbots("autopilot", "status", "--json", session))
            if info.state == "stopped" { return info }
            if Date() > deadline { throw TestFailure("session \(session) never stopped; last: \(info)") }
            Thread.sleep(forTimeInterval: 0.2)
        }
    }
}
