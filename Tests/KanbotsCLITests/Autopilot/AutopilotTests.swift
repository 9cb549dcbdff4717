import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension HeavySuites {
    /// The autopilot orchestrator driven end to end: real binary, real
    /// supervisors, scripted agents with known costs.
    @Suite("autopilot", .serialized) struct AutopilotTests {
        /// Fast polling and no load hold: the tests are about decisions, not the machine.
        static let fast = [
            "KANBOTS_AUTOPILOT_POLL_SECONDS": "0.05", "KANBOTS_AUTOPILOT_MAX_LOAD_PER_CORE": "1000",
        ]

        @Test func anOvernightDrainDispatchesExactlyWhatTheBudgetAllows() throws {
            try Sandbox.with(cards: (1...12).map { "Card \($0)" }) { sandbox in
                // The user ranked card 12 first; the others follow by number.
                try sandbox.kanbotsOK("card", "edit", "12", "--rank", "1")
                try sandbox.installFakeAgent("claude", script: Self.scriptedAgent(inputTokens: 1_000_000))  // $1.00 a run
                let session = try start(sandbox, "--parallel", "4", "--budget", "8.5", "--run-cap", "2", "--agent", "claude")

                let final = try waitUntilStopped(sandbox, session)
                // $1 runs against $8.50: eight leave $0.50, the ninth reaches the budget.
                #expect(final.stopReason == "budget_reached 9.00", "stop reason \(final.stopReason ?? "nil")")
                #expect(final.dispatched == 9 && final.completed == 9 && final.failed == 0 && final.awaitingDecision == 0,
                        "counts: \(final)")
                #expect(abs(final.spentUSD - 9) < 1e-6, "spent \(final.spentUSD)")
                #expect(final.spentUSD - final.budgetUSD <= final.runCapUSD, "overspent: \(final.spentUSD)")

                // No dispatch after the budget was reached, in the session's own story.
                let story = try sandbox.gitOK("log", "--reverse", "--format=%s", "refs/kanbots/sessions/\(session)")
                    .split(separator: "\n").map(String.init)
                let reached = try #require(story.firstIndex { $0.contains("budget reached") }, "story: \(story)")
                let dispatches = story.indices.filter { story[$0].contains(": dispatched run") }
                #expect(dispatches.count == 9 && dispatches.allSatisfy { $0 < reached }, "story: \(story)")
                #expect(story.last?.contains("stopped: budget_reached") == true, "story: \(story)")

                let board = try autopilotBoard(sandbox)
                let runs = board.runs.filter { $0.autopilotSession == session }
                #expect(Set(runs.map(\.card)) == Set([12] + Array(1...8)), "cards run: \(runs.map(\.card).sorted())")
                #expect(runs.count == 9)
                for run in runs {
                    #expect(run.state == "completed" && run.column == "in_review", "run \(run.id): \(run.state) \(run.column)")
                }
                for number in 9...11 {
                    let card = try #require(board.cards.first { $0.number == number })
                    #expect(card.column == "todo" && card.runs == 0, "card \(number): \(card.column), \(card.runs) runs")
                }
                #expect(board.sessions.first { $0.id == session }?.state == "stopped")
            }
        }

        @Test func aKilledOrchestratorIsLostAndResumeDispatchesNoCardTwice() throws {
            try Sandbox.with(cards: (1...5).map { "Card \($0)" }) { sandbox in
                let gate = sandbox.root + "/release"
                try sandbox.installFakeAgent("claude", script: Self.scriptedAgent(inputTokens: 10_000, gate: gate))
                let session = try start(sandbox, "--parallel", "2", "--budget", "50", "--run-cap", "2", "--agent", "claude",
                                        "--decide-after", "10m")
                let busy = try waitForStatus(sandbox, session) { $0.running == 2 }
                let pid = try #require(busy.orchestratorPID)

                kill(pid, SIGKILL)
                let lost = try waitForStatus(sandbox, session) { $0.state == "lost" }
                #expect(lost.running == 2, "runs of a lost session: \(lost)")
                let board = try autopilotBoard(sandbox)
                #expect(board.sessions.first { $0.id == session }?.state == "lost")
                let inFlight = board.runs.filter { $0.autopilotSession == session }
                #expect(inFlight.count == 2 && inFlight.allSatisfy { $0.state == "running" && $0.supervisor == "alive" },
                        "runs after the orchestrator died: \(inFlight)")

                try sandbox.kanbotsOK("autopilot", "resume", session, environment: Self.fast)
                try sandbox.write(gate, "go\n")
                let final = try waitUntilStopped(sandbox, session)
                #expect(final.stopReason == "backlog_empty", "stop reason \(final.stopReason ?? "nil")")
                let runs = try autopilotBoard(sandbox).runs.filter { $0.autopilotSession == session }
                #expect(runs.map(\.card).sorted() == [1, 2, 3, 4, 5], "cards dispatched: \(runs.map(\.card).sorted())")
                #expect(runs.allSatisfy { $0.state == "completed" }, "states: \(runs.map(\.state))")
                for run in runs {  // the session's --decide-after reaches every run, the resumed ones too
                    #expect(try sandbox.record(run.id)["Decide-After"] == "600", "run \(run.id) lacks Decide-After")
                }
                let story = try sandbox.gitOK("log", "--format=%s", "refs/kanbots/sessions/\(session)")
                #expect(story.contains("resumed by user"), "story: \(story)")
            }
        }

        @Test func dependenciesHoldACardUntilWhatItWaitsForIsDoneOrInReviewIfAllowed() throws {
            try Sandbox.with(cards: ["Schema", "Migration", "Unrelated"]) { sandbox in
                try sandbox.kanbotsOK("card", "edit", "2", "--after", "1")
                let first = try start(sandbox, "--parallel", "2", "--budget", "5", "--run-cap", "1", "--cards", "1-2")
                let stopped = try waitUntilStopped(sandbox, first)
                #expect(stopped.stopReason == "backlog_empty" && stopped.dispatched == 1, "\(stopped)")
                let board = try autopilotBoard(sandbox)
                let waiting = try #require(board.cards.first { $0.number == 2 })
                #expect(waiting.waitsFor == [1] && waiting.column == "todo", "card 2: \(waiting)")
                let text = try sandbox.kanbots("board")
                #expect(text.stdout.contains("waits for #1"), "board: \(text.stdout)")

                let second = try start(sandbox, "--parallel", "2", "--budget", "5", "--run-cap", "1", "--cards", "1-2",
                                       "--after-in-review")
                let done = try waitUntilStopped(sandbox, second)
                #expect(done.dispatched == 1, "\(done)")
                let runs = try autopilotBoard(sandbox).runs.filter { $0.autopilotSession == second }
                #expect(runs.map(\.card) == [2], "second session ran \(runs.map(\.card))")
            }
        }

        @Test func reviewerFollowsAnEngineerOnItsBranchAndPersonasTakeTurns() throws {
            try Sandbox.with(cards: ["One", "Two"]) { sandbox in
                let session = try start(sandbox, "--parallel", "1", "--budget", "5", "--run-cap", "1",
                                        "--personas", "engineer,tester,reviewer")
                _ = try waitUntilStopped(sandbox, session)
                let runs = try autopilotBoard(sandbox).runs.filter { $0.autopilotSession == session }
                let personas = runs.map { "\($0.card):\($0.persona ?? "-")" }
                #expect(Set(personas) == ["1:engineer", "2:tester", "1:reviewer"], "runs: \(personas)")
                let engineer = try #require(runs.first { $0.persona == "engineer" })
                let reviewer = try #require(runs.first { $0.persona == "reviewer" })
                #expect(reviewer.base == engineer.branch, "reviewer based on \(reviewer.base), engineer branch \(engineer.branch)")
            }
        }

        @Test func failingRunsEndTheSessionAndStopKillEndsItsRuns() throws {
            try Sandbox.with(cards: (1...4).map { "Card \($0)" }) { sandbox in
                let failing = try start(sandbox, "--parallel", "1", "--budget", "5", "--run-cap", "1", "--max-failures", "2",
                                        environment: ["KANBOTS_DEMO_EXIT": "3"])
                let failed = try waitUntilStopped(sandbox, failing)
                #expect(failed.stopReason == "failed_too_often 2" && failed.dispatched == 2 && failed.failed == 2, "\(failed)")

                let gate = sandbox.root + "/never"
                try sandbox.installFakeAgent("claude", script: Self.scriptedAgent(inputTokens: 1000, gate: gate))
                let session = try start(sandbox, "--parallel", "2", "--budget", "5", "--run-cap", "1", "--agent", "claude")
                _ = try waitForStatus(sandbox, session) { $0.running == 2 }
                let stop = try sandbox.kanbots("autopilot", "stop", "--kill", session)
                expectSuccess(stop)
                let final = try status(sandbox, session)
                #expect(final.state == "stopped" && final.stopReason == "stopped_by_user", "\(final)")
                let runs = try autopilotBoard(sandbox).runs.filter { $0.autopilotSession == session }
                #expect(runs.count == 2 && runs.allSatisfy { $0.state == "cancelled" }, "runs: \(runs.map(\.state))")
            }
        }

        @Test func rateLimitedRunsHoldNewDispatches() throws {
            try Sandbox.with(cards: ["One", "Two", "Three"]) { sandbox in
                let gate = sandbox.root + "/release"
                try sandbox.installFakeAgent("claude", script: Self.scriptedAgent(inputTokens: 1000, gate: gate, rateLimited: true))
                let session = try start(sandbox, "--parallel", "3", "--budget", "5", "--run-cap", "1", "--agent", "claude")
                let held = try waitForStatus(sandbox, session) { $0.holding?.contains("rate limited") == true }
                #expect(held.running == 1 && held.dispatched == 1, "dispatched while rate limited: \(held)")
                let text = try sandbox.kanbots("autopilot", "status", session)
                #expect(text.stdout.contains("holding") && text.stdout.contains("rate limited"), "status: \(text.stdout)")
                let story = try sandbox.gitOK("log", "--format=%s", "refs/kanbots/sessions/\(session)")
                #expect(story.contains("holding new dispatches: rate limited"), "story: \(story)")
                try sandbox.kanbotsOK("autopilot", "stop", "--kill", session)
            }
        }

        @Test func theCeilingLimitsSlotsAndExcessWorkQueues() throws {
            try Sandbox.with(cards: (1...4).map { "Card \($0)" }) { sandbox in
                try sandbox.gitOK("config", "kanbots.autopilot.max-parallel", "2")
                let gate = sandbox.root + "/release"
                try sandbox.installFakeAgent("claude", script: Self.scriptedAgent(inputTokens: 1000, gate: gate))
                let session = try start(sandbox, "--parallel", "20", "--budget", "5", "--run-cap", "1", "--agent", "claude")
                let busy = try waitForStatus(sandbox, session) { $0.running == 2 && $0.slots == 2 }
                // Both runs have reported their cost, so nothing but the ceiling holds a third:
                // wait for the orchestrator to write its status again after that, then look.
                let metered = try ProcessProbe.waitUntil(timeout: 30) {
                    try autopilotBoard(sandbox).runs.filter { $0.autopilotSession == session }.allSatisfy { $0.costUsd > 0 }
                }
                #expect(metered, "the runs never reported a cost")
                let seen = try #require(try status(sandbox, session).polls)
                let later = try waitForStatus(sandbox, session) { ($0.polls ?? 0) > seen + 1 }
                #expect(busy.dispatched == 2 && later.dispatched == 2 && later.running == 2, "\(later)")
                try sandbox.write(gate, "go\n")
                let final = try waitUntilStopped(sandbox, session)
                #expect(final.stopReason == "backlog_empty" && final.completed == 4, "\(final)")
            }
        }

        @Test func badInputIsRefusedWithOneLineAndNoSession() throws {
            try Sandbox.with(cards: ["One"]) { sandbox in
                for (arguments, fragment) in [
                    (["--budget", "0"], "--budget"),
                    (["--budget", "5", "--run-cap=-1"], "--run-cap"),
                    (["--budget", "5", "--personas", "poet"], "unknown persona"),
                    (["--budget", "5", "--cards", "9"], "unknown card"),
                    (["--budget", "5", "--parallel", "0"], "--parallel"),
                    (["--budget", "5", "--attempts", "0"], "--attempts must be between 1 and"),
                    (["--budget", "5", "--attempts", "1", "--agent", "demo,demo"], "give --attempts 2"),
                    (["--budget", "5", "--agent", "demo,nobody"], "nobody"),
                ] {
                    let result = try sandbox.run(try KanbotsBinary.path(), ["autopilot", "start"] + arguments)
                    expectCleanError(result, mentioning: fragment)
                }
                #expect(try sandbox.gitOK("for-each-ref", "refs/kanbots/sessions/").isEmpty)
                expectCleanError(try sandbox.kanbots("autopilot", "status", "nope"), mentioning: "unknown autopilot session")
            }
        }

        @Test func qaFixesAFailingCheckAndVerifiesItOnTheFixBranch() throws {
            try Sandbox.with { sandbox in
                // The demo agent writes kanbots-demo/card-N.md: the first check fails on main, passes after a fix.
                let session = try start(sandbox, "--budget", "5", "--run-cap", "1",
                                        "--check", "ls kanbots-demo/*.md", "--check", "test -f README.md", command: "qa")
                let final = try waitUntilStopped(sandbox, session)
                #expect(final.stopReason == "all_green" && final.dispatched == 1 && final.completed == 1, "\(final)")
                let checks = try #require(final.checks)
                #expect(checks.map(\.state) == ["green", "green"], "checks: \(checks)")
                let card = try #require(checks[0].card)
                let shown = try sandbox.kanbotsOK("card", "show", String(card)).stdout
                #expect(shown.contains("Fix failing check: ls kanbots-demo/*.md") && shown.contains("No such file"),
                        "card: \(shown)")
                let story = try sandbox.gitOK("log", "--format=%s", "refs/kanbots/sessions/\(session)")
                #expect(story.contains("green on run"), "story: \(story)")
            }
        }

        @Test func qaGivesUpOnACheckNoFixMakesGreen() throws {
            try Sandbox.with { sandbox in
                let session = try start(sandbox, "--budget", "5", "--run-cap", "1", "--max-rounds", "2",
                                        "--check", "exit 1", command: "qa")
                let final = try waitUntilStopped(sandbox, session)
                #expect(final.stopReason == "checks_still_failing", "\(final)")
                let runs = try autopilotBoard(sandbox).runs.filter { $0.autopilotSession == session }
                #expect(runs.count == 2, "fix runs: \(runs.map(\.id))")
                // The second round starts from the first fix, not from scratch.
                let first = try #require(runs.first), second = try #require(runs.last)
                #expect(second.base == first.branch, "second fix based on \(second.base)")
            }
        }

        @Test func qaStopsAHangingCheckAtItsTimeoutAndCountsItFailing() throws {
            try Sandbox.with { sandbox in
                // The check leaves a child behind that would outlive a kill of the shell alone.
                let marker = sandbox.root + "/check-child.pid"
                let session = try start(sandbox, "--budget", "5", "--run-cap", "1", "--max-rounds", "1",
                                        "--check-timeout", "2s",
                                        "--check", "sleep 600 & echo $! > \(shellQuoted(marker)); wait", command: "qa")
                let final = try waitUntilStopped(sandbox, session)
                #expect(final.stopReason == "checks_still_failing", "\(final)")
                let story = try sandbox.gitOK("log", "--format=%s", "refs/kanbots/sessions/\(session)")
                #expect(story.contains("checks failing on main"), "story: \(story)")
                let child = try #require(Int32(sandbox.read(marker)?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""))
                #expect(!ProcessProbe.isAlive(child), "the check's child \(child) outlived the timeout")
                let log = sandbox.read(sandbox.repo + "/.git/kanbots/sessions/\(session)/base-check-0.log") ?? ""
                #expect(log.contains("timed out after 2 s"), "check log: \(log)")
            }
        }

        @Test func aPersonaSharedInGitReachesTheAgent() throws {
            try Sandbox.with(cards: ["Harden login"]) { sandbox in
                try sandbox.kanbotsOK("persona", "set", "security", "--text", "You are a security auditor.")
                #expect(try sandbox.gitOK("show", "refs/kanbots/personas:security.md") == "You are a security auditor.")
                let session = try start(sandbox, "--budget", "5", "--run-cap", "1", "--personas", "security")
                _ = try waitUntilStopped(sandbox, session)
                let run = try #require(try autopilotBoard(sandbox).runs.first { $0.autopilotSession == session })
                #expect(run.persona == "security")
                let written = try sandbox.gitOK("show", "\(run.branch):kanbots-demo/card-1.md")
                #expect(written.contains("You are a security auditor."), "the agent was told: \(written)")
            }
        }


        /// A Claude-like agent with a known cost: its first message carries all
        /// of it (haiku 4.5, $1 per million input tokens), then it commits a file.
        static func scriptedAgent(inputTokens: Int, gate: String? = nil, rateLimited: Bool = false) -> String {
            let cost = Double(inputTokens) / 1_000_000
            let initLine = #"echo '{"type":"system","subtype":"init","session_id":"s-'"$KANBOTS_RUN_ID"'","model":"claude-haiku-4-5","tools":[]}'"#
            let usageLine = #"echo '{"type":"assistant","message":{"id":"msg-'"$KANBOTS_RUN_ID"'","type":"message","role":"assistant","model":"claude-haiku-4-5","content":[{"type":"text","text":"working"}],"usage":{"input_tokens":"#
                + String(inputTokens) + #","output_tokens":0,"cache_creation_input_tokens":0,"cache_read_input_tokens":0}}}'"#
            let retryLine = #"echo '{"type":"system","subtype":"api_retry","attempt":1,"max_retries":10,"retry_delay_ms":600000,"error_status":429}'"#
            let wait = gate.map { "while [ ! -f \(shellQuoted($0)) ]; do sleep 0.05; done" } ?? "sleep 0.1"
            // A rate-limited agent has spent nothing until the limit lifts (any usage clears it).
            let middle = rateLimited ? [retryLine, wait, usageLine] : [usageLine, wait]
            return (["#!/bin/sh", initLine] + middle + [
                #"echo "card $KANBOTS_CARD" > "work-$KANBOTS_RUN_ID.txt""#,
                #"git add -A >/dev/null 2>&1 && git commit -qm "Work on card $KANBOTS_CARD" >/dev/null 2>&1"#,
                #"echo '{"type":"result","subtype":"success","is_error":false,"num_turns":1,"total_cost_usd":"#
                    + String(cost) + #","session_id":"s-'"$KANBOTS_RUN_ID"'"}'"#,
                "exit 0", "",
            ]).joined(separator: "\n")
        }

        func start(_ sandbox: Sandbox, _ arguments: String..., environment: [String: String] = [:],
                   command: String = "start") throws -> String {
            let result = try sandbox.run(
                try KanbotsBinary.path(), ["autopilot", command, "--json"] + arguments,
                environment: Self.fast.merging(environment) { _, new in new })
            struct Started: Decodable { var id: String }
            return try JSON.decode(Started.self, from: result).id
        }

        func status(_ sandbox: Sandbox, _ session: String) throws -> SessionInfo {
            try JSON.decode(SessionInfo.self, from: try sandbox.kanbots("autopilot", "status", "--json", session))
        }

        func waitForStatus(_ sandbox: Sandbox, _ session: String, timeout: TimeInterval = 60,
                           _ condition: (SessionInfo) -> Bool) throws -> SessionInfo {
            let deadline = Date().addingTimeInterval(timeout)
            while true {
                let info = try status(sandbox, session)
                if condition(info) { return info }
                if Date() > deadline { throw TestFailure("session \(session) never got there; last: \(info)") }
                Thread.sleep(forTimeInterval: 0.1)
            }
        }

        func waitUntilStopped(_ sandbox: Sandbox, _ session: String) throws -> SessionInfo {
            try waitForStatus(sandbox, session, timeout: 120) { $0.state == "stopped" }
        }

        func autopilotBoard(_ sandbox: Sandbox) throws -> AutopilotBoard {
            let result = try sandbox.kanbots("board", "--json")
            guard result.succeeded else { throw TestFailure("board failed: \(result)") }
            let decoder = JSONDecoder()
            decoder.keyDecodingStrategy = .convertFromSnakeCase
            return try decoder.decode(AutopilotBoard.self, from: Data(result.stdout.utf8))
        }
    }
}

/// `autopilot status --json`.
struct SessionInfo: Decodable, CustomStringConvertible {
    var id: String
    var state: String
    var stopReason: String?
    var budgetUSD: Double
    var runCapUSD: Double
    var spentUSD: Double
    var dispatched: Int
    var running: Int
    var completed: Int
    var failed: Int
    var awaitingDecision: Int
    var holding: String?
    var orchestratorPID: Int32?
    var slots: Int?
    var polls: Int?
    var checks: [Check]?

    struct Check: Decodable {
        var command: String
        var state: String
        var card: Int?
    }

    enum CodingKeys: String, CodingKey {
        case id, state, dispatched, running, completed, failed, holding, checks, slots, polls
        case stopReason = "stop_reason", budgetUSD = "budget_usd", runCapUSD = "run_cap_usd", spentUSD = "spent_usd"
        case awaitingDecision = "awaiting_decision", orchestratorPID = "orchestrator_pid"
    }

    var description: String {
        "\(id) \(state) reason=\(stopReason ?? "-") spent=\(spentUSD) dispatched=\(dispatched) running=\(running) "
            + "completed=\(completed) failed=\(failed) holding=\(holding ?? "-")"
    }
}

/// The parts of `board --json` the autopilot adds to or relies on.
struct AutopilotBoard: Decodable {
    struct Run: Decodable {
        var id: String
        var card: Int
        var state: String
        var column: String
        var supervisor: String
        var persona: String?
        var base: String
        var branch: String
        var autopilotSession: String?
        var costUsd: Double
    }

    struct Card: Decodable {
        var number: Int
        var column: String
        var runs: Int
        var waitsFor: [Int]
    }

    struct Session: Decodable {
        var id: String
        var state: String
    }

    var runs: [Run]
    var cards: [Card]
    var sessions: [Session]
}
