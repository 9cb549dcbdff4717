import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A card's scope while its agent works: writes outside are flagged live,
/// and end the run under `kanbots.scope-policy = stop`.
@Suite("scope") struct ScopeTests {
    @Test func anOutOfScopeWriteIsFlaggedLiveUnderWarnAndTheRunCarriesOn() throws {
        try Sandbox.with { sandbox in
            let card = try sandbox.newCard("API only", "--scope", "src/**")
            let gate = sandbox.root + "/gate"
            let argsFile = sandbox.root + "/args.txt"
            try sandbox.installFakeAgent("claude", script: ReviewAgent.script(
                writes: ["src/ok.txt", "docs/out.txt"], gate: gate, argsFile: argsFile))
            let run = try sandbox.dispatch(card, ["--agent", "claude"])

            // Flagged while the agent still works, as an update of the record.
            let flagged = try sandbox.waitForRecord(run.id) { $0["Scope-Violation"] == "docs/out.txt" }
            #expect(flagged["State"] == "running", "flagged only after the run: \(flagged)")
            let follow = try sandbox.startKanbots(["log", "--follow", run.id])
            try sandbox.write(gate, "")
            let followed = try follow.wait(timeout: 60)
            expectSuccess(followed)
            #expect(followed.stdout.contains("⚠ out of scope: docs/out.txt"), "log --follow: \(followed.stdout)")

            let info = try sandbox.finishedRun(run.id)
            #expect(info.state == "completed", "warn lets the run finish: \(info.state) \(info.reason ?? "")")
            #expect(try sandbox.reviewedRun(run.id).scopeViolations == ["docs/out.txt"])
            #expect(try sandbox.kanbots("log", run.id).stdout.contains("⚠ out of scope: docs/out.txt"))
            // The agent was told its scope.
            let prompt = sandbox.read(argsFile) ?? ""
            #expect(prompt.contains("Scope:") && prompt.contains("src/**"), "prompt: \(prompt)")
        }
    }

    @Test func underStopTheFirstOutOfScopeWriteEndsTheRunAndItsAgent() throws {
        try Sandbox.with { sandbox in
            try sandbox.gitOK("config", "kanbots.scope-policy", "stop")
            try sandbox.gitOK("config", "--add", "kanbots.check", "true")
            let card = try sandbox.newCard("Docs only", "--scope", "docs/")
            let pidFile = sandbox.root + "/agent.pid"
            let never = sandbox.root + "/never"
            try sandbox.installFakeAgent("claude", script: ReviewAgent.script(
                writes: ["docs/fine.md", "Package.swift"], gate: never, pidFile: pidFile))
            let run = try sandbox.dispatch(card, ["--agent", "claude"])

            let info = try sandbox.finishedRun(run.id, timeout: 60)
            #expect(info.state == "failed" && info.reason == "scope_violation Package.swift",
                    "\(info.state) \(info.reason ?? "")")
            let pid = try #require(sandbox.recordedPID(pidFile))
            #expect(kill(pid, 0) != 0, "the agent \(pid) outlived its run")
            let reviewed = try sandbox.reviewedRun(run.id)
            #expect(reviewed.scopeViolations == ["Package.swift"] && reviewed.checks == nil, "\(reviewed)")
            // What it wrote is kept on the branch for the reviewer.
            #expect(try sandbox.gitOK("show", "\(run.branch):Package.swift").contains("done by"))
        }
    }

    @Test func dispatchRefusesAScopePolicyOrCheckTimeoutItCannotRead() throws {
        try Sandbox.with(cards: ["Scoped"]) { sandbox in
            try sandbox.installFakeAgent("claude", script: ReviewAgent.script())
            try sandbox.gitOK("config", "kanbots.scope-policy", "sometimes")
            try expectStateUnchanged(sandbox) {
                expectCleanError(try sandbox.kanbots("dispatch", "1", "--agent", "claude"),
                                 mentioning: "kanbots.scope-policy", "warn or stop")
            }
            try sandbox.gitOK("config", "kanbots.scope-policy", "STOP")
            try sandbox.gitOK("config", "kanbots.check-timeout", "forever")
            try expectStateUnchanged(sandbox) {
                expectCleanError(try sandbox.kanbots("dispatch", "1", "--agent", "claude"),
                                 mentioning: "kanbots.check-timeout", "10m")
            }
        }
    }
}

extension HeavySuites.AutopilotTests {
    @Test func overlappingScopesRunOneAfterTheOtherAndOthersRunAlongside() throws {
        try Sandbox.with { sandbox in
            _ = try sandbox.newCard("API", "--scope", "Sources/API/**")
            _ = try sandbox.newCard("API routes", "--scope", "Sources/API/Routes/**")
            _ = try sandbox.newCard("Docs", "--scope", "docs/**")
            let gate = sandbox.root + "/gate"
            try sandbox.installFakeAgent("claude", script: ReviewAgent.script(writes: ["docs/work.md"], gate: gate))
            let session = try start(sandbox, "--parallel", "3", "--budget", "5", "--run-cap", "1", "--agent", "claude")

            let busy = try waitForStatus(sandbox, session) { $0.running == 2 }
            // Give the orchestrator many more polls: card 2 must still wait.
            Thread.sleep(forTimeInterval: 1)
            let held = try status(sandbox, session)
            let running = try autopilotBoard(sandbox).runs.filter { $0.autopilotSession == session }
            #expect(Set(running.map(\.card)) == [1, 3], "cards running side by side: \(running.map(\.card)) \(busy)")
            #expect(held.holding?.contains("card #2") == true, "holding: \(held.holding ?? "nil")")

            try sandbox.write(gate, "")
            let final = try waitUntilStopped(sandbox, session)
            #expect(final.stopReason == "backlog_empty" && final.completed == 3, "\(final)")
            let runs = try sandbox.runs()
            let first = try #require(runs.first { $0.card == 1 })
            let second = try #require(runs.first { $0.card == 2 })
            let firstEnd = try #require(first.endedAt), secondStart = try #require(second.startedAt)
            #expect(secondStart >= firstEnd, "card 2 started \(secondStart), before card 1 ended \(firstEnd)")
        }
    }
}
