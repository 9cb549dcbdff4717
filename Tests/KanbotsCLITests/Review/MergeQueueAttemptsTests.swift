import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Attempts in the merge queue (docs/review.md, "Attempts"): the first
/// attempt of a card that lands stops the card's attempts still running and
/// supersedes them; attempts never conflict with each other.
@Suite("merge queue attempts") struct MergeQueueAttemptsTests {
    /// Both agents rewrite line 10 of shared.txt their own way (between
    /// cards that would conflict) and commit. Claude then waits for `gate`
    /// and ends; codex keeps working until it is stopped.
    static func install(_ sandbox: Sandbox, gate: String) throws {
        try MergeQueueTests.prepare(sandbox)
        // Codex may report no cost, so autopilot wants a wall-clock cap for its runs.
        try sandbox.gitOK("config", "kanbots.max-time", "10m")
        let edit = { (name: String) in
            [#"sed -i 's/^line 10$/line 10 by "# + name + #"/' shared.txt"#,
             #"git add -A >/dev/null 2>&1 && git commit -qm "Attempt on card $KANBOTS_CARD" >/dev/null 2>&1"#]
        }
        try sandbox.installFakeAgent("claude", script: ([
            "#!/bin/sh",
            #"echo '{"type":"system","subtype":"init","session_id":"s-'"$KANBOTS_RUN_ID"'","model":"claude-haiku-4-5","tools":[]}'"#,
            #"echo '{"type":"assistant","message":{"id":"m-'"$KANBOTS_RUN_ID"'","type":"message","role":"assistant","model":"claude-haiku-4-5","content":[{"type":"text","text":"working"}],"usage":{"input_tokens":10000,"output_tokens":0}}}'"#,
        ] + edit("claude") + [
            "while [ ! -f \(shellQuoted(gate)) ]; do sleep 0.05; done",
            #"echo '{"type":"result","subtype":"success","is_error":false,"num_turns":1,"total_cost_usd":0.01,"session_id":"s-'"$KANBOTS_RUN_ID"'"}'"#,
            "",
        ]).joined(separator: "\n"))
        try sandbox.installFakeAgent("codex", script: ([
            "#!/bin/sh",
            #"echo '{"type":"thread.started","thread_id":"0199a213-81c0-7800-8aa1-bbab2a035a53"}'"#,
        ] + edit("codex") + ["while :; do sleep 0.1; done", ""]).joined(separator: "\n"))
    }

    @Test func autopilotWithTwoAttemptsLandsOneAndStopsTheOther() throws {
        try Sandbox.with(cards: ["Two ways"]) { sandbox in
            let gate = sandbox.root + "/release"
            try Self.install(sandbox, gate: gate)
            let started = try sandbox.run(
                try KanbotsBinary.path(),
                ["autopilot", "start", "--json", "--parallel", "2", "--budget", "5", "--attempts", "2",
                 "--agent", "claude,codex", "--land"],
                environment: ["KANBOTS_AUTOPILOT_POLL_SECONDS": "0.05", "KANBOTS_AUTOPILOT_MAX_LOAD_PER_CORE": "1000"])
            struct Started: Decodable { var id: String }
            let session = try JSON.decode(Started.self, from: started).id

            let (landed, stopped) = try Self.expectFirstLandsAndTheOtherIsStopped(sandbox, gate: gate)
            for run in [landed, stopped] { #expect(try sandbox.record(run)["Autopilot-Session"] == session) }
            let story = try sandbox.gitOK("log", "--format=%s", "refs/kanbots/sessions/\(session)")
            #expect(story.contains("attempt 2") && story.contains("2 attempts per card"), "\(story)")
            #expect(story.contains("run \(stopped) stopped and superseded"), "\(story)")
            let ended = try ProcessProbe.waitUntil(timeout: 60, interval: 0.2) {
                try sandbox.gitOK("log", "-1", "--format=%B", "refs/kanbots/sessions/\(session)").contains("State: stopped")
            }
            let status = try sandbox.kanbots("autopilot", "status").stdout
            #expect(ended, "the session did not end: \(status)")
        }
    }

    @Test func dispatchedAttemptsAndTheWatcherDoTheSame() throws {
        try Sandbox.with(cards: ["Two ways"]) { sandbox in
            let gate = sandbox.root + "/release"
            try Self.install(sandbox, gate: gate)
            try sandbox.kanbotsOK("dispatch", "1", "--attempts", "2", "--agent", "claude,codex")
            let watcher = try sandbox.startKanbots(["land", "--watch", "--interval", "0.2"])
            let (_, stopped) = try Self.expectFirstLandsAndTheOtherIsStopped(sandbox, gate: gate)
            watcher.signal(SIGINT)
            let output = try watcher.wait(timeout: 60)
            #expect(output.stdout.contains("run \(stopped) stopped and superseded"), "\(output.stdout)")
        }
    }

    @Test func anAttemptThatNoLongerMergesGetsNoRebaseRunWhileItsSiblingStillWorks() throws {
        try Sandbox.with(cards: ["Two ways"]) { sandbox in
            let gate = sandbox.root + "/release"
            try Self.install(sandbox, gate: gate)
            try sandbox.write(gate, "")  // claude's attempt ends at once; codex's works on
            try sandbox.kanbotsOK("dispatch", "1", "--attempts", "2", "--agent", "claude,codex")
            var attempts: [RunInfo] = []
            let settled = try ProcessProbe.waitUntil(timeout: 60, interval: 0.2) {
                attempts = try sandbox.runs().filter { $0.card == 1 }
                return attempts.contains { $0.recordedState == "completed" }
                    && attempts.contains { $0.recordedState == "running" && ($0.ahead ?? 0) > 0 }
            }
            try #require(settled, "no finished and working attempt: \(attempts.map { "\($0.id) \($0.state)" })")
            let working = try #require(attempts.first { $0.recordedState == "running" })
            // Something else lands on line 10 first: the finished attempt no longer merges.
            try sandbox.write("shared.txt", (1...100).map { $0 == 10 ? "line 10 by hand" : "line \($0)" }
                .joined(separator: "\n") + "\n")
            try sandbox.gitOK("commit", "-qam", "line 10 by hand")
            func rebaseRuns() throws -> Int { try sandbox.runRefs().filter { try sandbox.record($0)["Rebase-Of"] != nil }.count }

            let waits = try sandbox.kanbots("land", "--watch", "--once")
            expectSuccess(waits)
            #expect(!waits.stdout.contains("rebase run"), "\(waits.stdout)")
            #expect(try rebaseRuns() == 0, "a rebase run started while another attempt still works")
            #expect(try sandbox.record(working.id)["State"] == "running")

            // The sibling ends without landing: now the card is redone, once.
            try sandbox.kanbotsOK("stop", working.id)
            let redo = try sandbox.kanbots("land", "--watch", "--once")
            expectSuccess(redo)
            #expect(redo.stdout.contains("no longer merges: rebase run"), "\(redo.stdout)")
            #expect(try rebaseRuns() == 1, "\(redo.stdout)")
            try sandbox.waitUntilIdle()
        }
    }

    /// Waits until both attempts of card 1 have committed and checks that
    /// they are not conflicts of each other; then lets claude's finish and
    /// waits for it to land. Returns the landed and the stopped attempt.
    static func expectFirstLandsAndTheOtherIsStopped(_ sandbox: Sandbox, gate: String) throws -> (String, String) {
        var attempts: [RunInfo] = []
        let working = try ProcessProbe.waitUntil(timeout: 60, interval: 0.2) {
            attempts = try sandbox.runs().filter { $0.card == 1 }
            return attempts.count == 2 && attempts.allSatisfy { ($0.ahead ?? 0) > 0 && $0.recordedState == "running" }
        }
        try #require(working, "two running attempts with commits never showed: \(attempts.map { "\($0.id) \($0.state)" })")
        let runs = try ReviewFixture.objects(try sandbox.kanbots("board", "--json"), key: "runs")
        for attempt in attempts {
            let readiness = runs.first { $0["id"] as? String == attempt.id }?["readiness"] as? [String: Any]
            #expect((readiness?["conflicting_runs"] as? Int ?? 0) == 0, "attempts paired as conflicts: \(readiness ?? [:])")
        }
        let branches = try attempts.map { ($0.id, try sandbox.gitOK("show", "\($0.branch):shared.txt")) }
        let landed = try #require(branches.first { $0.1.contains("line 10 by claude") }?.0)
        let stopped = try #require(branches.first { $0.1.contains("line 10 by codex") }?.0)

        try sandbox.write(gate, "")
        let done = try ProcessProbe.waitUntil(timeout: 90, interval: 0.2) {
            try sandbox.record(stopped)["State"] == "superseded" && sandbox.board().cards.allSatisfy { $0.column == "done" }
        }
        let board = try sandbox.kanbots("board").stdout
        #expect(done, "\(board)")
        #expect(try sandbox.record(landed)["State"] == "merged")
        #expect(try sandbox.record(stopped)["Superseded-By"] == landed)
        let lifecycle = try sandbox.lifecycle(stopped)
        #expect(lifecycle.contains("cancelled"), "it was not stopped: \(lifecycle)")
        #expect(try sandbox.gitOK("show", "main:shared.txt").contains("line 10 by claude"))
        #expect(try sandbox.gitOK("status", "--porcelain").isEmpty, "the main checkout is not clean")
        #expect(try !sandbox.runRefs().contains { try sandbox.record($0)["Rebase-Of"] != nil }, "a rebase run started")
        #expect(try sandbox.kanbots("inbox").stdout.contains("Nothing needs you."))
        return (landed, stopped)
    }
}
