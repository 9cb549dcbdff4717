import Foundation
import Testing

extension HeavySuites {
    /// A run's column follows its supervisor's real liveness, at once.
    @Suite("liveness and stop") struct LivenessTests {
        /// The demo agent pauses this long between events: the run lasts ~40 s.
        static let slow = ["KANBOTS_DEMO_STEP_SECONDS": "5"]

        @Test func aRunWhoseSupervisorAndAgentDiedIsNotInProgressAndIsRecordedFailed() throws {
            try Sandbox.with(cards: ["Slow card"]) { sandbox in
                let run = try sandbox.dispatch(1, environment: Self.slow)
                let pids = try sandbox.waitUntilRunning(run.id)
                #expect(try sandbox.board().run(run.id).column == "in_progress")

                try sandbox.killSupervisor(of: run.id, pids)
                try sandbox.killAgentGroup(of: run.id, pids)

                // The very next board does not show it in progress.
                let view = try sandbox.board().run(run.id)
                #expect(view.column != "in_progress", "dead run shown in progress: \(view)")
                #expect(["lost", "failed"].contains(view.state), "state \(view.state)")
                #expect(view.supervisor != "alive")

                expectSuccess(try sandbox.kanbots("reconcile"))
                // Its end is in the ref's history: failed, supervisor_lost.
                let recorded = try ProcessProbe.waitUntil(timeout: 10, interval: 0.1) {
                    _ = try sandbox.kanbots("status", "--json")
                    return try sandbox.record(run.id)["State"] == "failed"
                }
                let record = try sandbox.record(run.id)
                #expect(recorded, "run not recorded failed: \(record.fields)")
                #expect(record["Reason"]?.hasPrefix("supervisor_lost") == true, "reason: \(record["Reason"] ?? "none")")
                #expect(try sandbox.lifecycle(run.id).suffix(2) == ["running", "failed"])
                let final = try sandbox.board().run(run.id)
                #expect(final.state == "failed" && final.column == "todo", "\(final)")
            }
        }

        @Test func aKilledSupervisorIsShownLostAndReconcileReattachesToTheLiveAgent() throws {
            try Sandbox.with(cards: ["Slow card"]) { sandbox in
                let run = try sandbox.dispatch(1, environment: Self.slow)
                let pids = try sandbox.waitUntilRunning(run.id)
                try sandbox.killSupervisor(of: run.id, pids)

                let lost = try sandbox.board().run(run.id)
                #expect(lost.column != "in_progress", "run with a dead supervisor shown in progress: \(lost)")
                #expect(lost.state == "lost" || lost.state == "failed", "state \(lost.state)")
                #expect(sandbox.isAgent(pids.agent, of: run.id), "the agent should outlive its supervisor")

                let reconcile = try sandbox.kanbots("reconcile")
                expectSuccess(reconcile)
                #expect(reconcile.stdout.contains(run.id), "\(reconcile)")
                let adopted = ProcessProbe.waitUntil(timeout: 10, interval: 0.05) {
                    guard let pid = try? sandbox.pids(run.id).supervisor else { return false }
                    return pid != pids.supervisor && sandbox.isSupervisor(pid, of: run.id)
                }
                let record = try sandbox.record(run.id)
                #expect(adopted, "no new supervisor took over: \(record.fields)")
                let view = try sandbox.board().run(run.id)
                #expect(view.column == "in_progress" && view.supervisor == "alive", "\(view)")

                try expectStopEndsRun(sandbox, run.id, agent: pids.agent)
            }
        }

        @Test func stopEndsALiveRunAndItsAgentGroup() throws {
            try Sandbox.with(cards: ["Slow card"]) { sandbox in
                let run = try sandbox.dispatch(1, environment: Self.slow)
                let pids = try sandbox.waitUntilRunning(run.id)
                #expect(sandbox.isAgent(pids.agent, of: run.id))
                try expectStopEndsRun(sandbox, run.id, agent: pids.agent)
                #expect(try sandbox.lifecycle(run.id) == ["queued", "running", "cancelled"])
                let view = try sandbox.board().run(run.id)
                #expect(view.state == "cancelled" && view.column == "todo", "\(view)")
                #expect(ProcessProbe.waitUntil(timeout: 5) { !sandbox.isSupervisor(pids.supervisor, of: run.id) },
                        "supervisor still running after stop")
                // Stopping again is harmless.
                let again = try sandbox.kanbots("stop", run.id)
                expectSuccess(again)
                #expect(again.stdout.contains("already cancelled"), "\(again)")
            }
        }

        /// `stop ID` returns promptly with the run cancelled (stopped_by_user)
        /// and nothing of the agent or its supervisor left running.
        private func expectStopEndsRun(_ sandbox: Sandbox, _ id: String, agent: Int32,
                                       sourceLocation: SourceLocation = #_sourceLocation) throws {
            let supervisor = try sandbox.pids(id).supervisor
            let stop = try sandbox.kanbots("stop", id, timeout: 60)
            expectSuccess(stop, sourceLocation: sourceLocation)
            #expect(stop.stdout.contains("run \(id): cancelled (stopped_by_user)"), "\(stop)", sourceLocation: sourceLocation)
            #expect(stop.duration < 10, "stop took \(stop.duration)s", sourceLocation: sourceLocation)
            let record = try sandbox.record(id)
            #expect(record["State"] == "cancelled" && record["Reason"] == "stopped_by_user", "\(record.fields)",
                    sourceLocation: sourceLocation)
            #expect(!ProcessProbe.isGroupAlive(agent), "agent process group \(agent) still alive after stop",
                    sourceLocation: sourceLocation)
            #expect(ProcessProbe.waitUntil(timeout: 5) { !sandbox.isSupervisor(supervisor, of: id) },
                    "supervisor \(supervisor) still running after stop", sourceLocation: sourceLocation)
        }
    }
}
