import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Scripted Claude-shaped agents for checks and scope: they print a real
/// stream-json session, optionally "run the tests" (a Bash tool call and its
/// result), write the files they are told to, and may wait for a gate file.
enum ReviewAgent {
    static let initLine = #"{"type":"system","subtype":"init","session_id":"s-review","model":"claude-sonnet-4-5","cwd":"."}"#

    /// `tests` maps a card number to the test command its agent runs and
    /// whether it passes (agents are started by their supervisors later, so
    /// one script serves every card).
    /// A first model response: the meter has a reading (autopilot waits for one).
    static let usageLine = #"{"type":"assistant","message":{"model":"claude-sonnet-4-5","id":"msg_w","content":[{"type":"text","text":"Working on it."}],"usage":{"input_tokens":1000,"output_tokens":10}}}"#

    static func script(writes files: [String] = ["work.txt"], tests: [Int: (command: String, passed: Bool)] = [:],
                       gate: String? = nil, pidFile: String? = nil, argsFile: String? = nil) -> String {
        var lines = ["#!/bin/sh", "echo " + shellQuoted(initLine), "echo " + shellQuoted(usageLine)]
        if let argsFile { lines.append("printf '%s\\n' \"$@\" > \(shellQuoted(argsFile))") }
        if let pidFile { lines.append("echo $$ > \(shellQuoted(pidFile))") }
        if !tests.isEmpty {
            lines.append("case \"$KANBOTS_CARD\" in")
            for (card, test) in tests {
                let use = #"{"type":"assistant","message":{"model":"claude-sonnet-4-5","id":"msg_t","content":[{"type":"tool_use","id":"toolu_t","name":"Bash","input":{"command":"\#(test.command)"}}],"usage":{"input_tokens":10,"output_tokens":5}}}"#
                let output = test.passed ? "All tests passed" : "Exit code 1\\n2 tests failed"
                let result = #"{"type":"user","message":{"role":"user","content":[{"tool_use_id":"toolu_t","type":"tool_result","content":"\#(output)","is_error":\#(!test.passed)}]}}"#
                lines.append("\(card)) echo \(shellQuoted(use)); echo \(shellQuoted(result));;")
            }
            lines.append("esac")
        }
        for file in files {
            lines.append("mkdir -p \"$(dirname \(shellQuoted(file)))\" && echo \"done by $KANBOTS_RUN_ID\" > \(shellQuoted(file))")
        }
        if let gate { lines.append("while [ ! -f \(shellQuoted(gate)) ]; do sleep 0.05; done") }
        lines += [
            "echo " + shellQuoted(#"{"type":"result","subtype":"success","is_error":false,"num_turns":1,"total_cost_usd":0.01,"session_id":"s-review"}"#),
            "exit 0", "",
        ]
        return lines.joined(separator: "\n")
    }
}

extension Sandbox {
    /// Polls until `condition` holds for the run's record; throws after `timeout`.
    func waitForRecord(_ id: String, timeout: TimeInterval = 60, _ condition: (Trailers) -> Bool) throws -> Trailers {
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            let record = try record(id)
            if condition(record) { return record }
            if Date() > deadline { throw TestFailure("record of \(id) never got there:\n\(record)") }
            Thread.sleep(forTimeInterval: 0.1)
        }
    }

    /// The process id a script wrote to `file`.
    func recordedPID(_ file: String) -> Int32? {
        read(file).flatMap { Int32($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
    }

    /// The run as `show --json` prints it, with the review fields.
    func reviewedRun(_ id: String) throws -> ReviewedRun {
        struct Shown: Decodable { var run: ReviewedRun }
        return try JSON.decode(Shown.self, from: try kanbots("show", "--json", id)).run
    }
}

struct ReviewedRun: Decodable {
    struct Checks: Decodable {
        var outcome: String
        var exitCode: Int?
        var seconds: Double
        var failedCommand: String?
        var commit: String?

        enum CodingKeys: String, CodingKey {
            case outcome, seconds, commit
            case exitCode = "exit_code", failedCommand = "failed_command"
        }
    }

    var state: String
    var reason: String?
    var branch: String
    var checks: Checks?
    var agentTested: String?
    var scopeViolations: [String]

    enum CodingKeys: String, CodingKey {
        case state, reason, branch, checks
        case agentTested = "agent_tested", scopeViolations = "scope_violations"
    }
}

/// Checks after an agent ends with commits, `git kanbots check`, and
/// whether the agent tested its own work: real supervisors, real check
/// processes, scripted agents.
@Suite("checks") struct ChecksTests {
    static let secret = "sk-ant-api03-" + String(repeating: "Ab1", count: 12)

    @Test func passingAndFailingChecksAreRecordedWithTheirRedactedLogAndTheAgentsOwnTesting() throws {
        try Sandbox.with { sandbox in
            try sandbox.gitOK("config", "--add", "kanbots.check", "grep -q done work.txt && echo key=\(Self.secret)")
            try sandbox.gitOK("config", "--add", "kanbots.check", "echo second-check-ran")
            let passing = try sandbox.newCard("Passing", "--check", "echo card-check-ran")
            let failing = try sandbox.newCard("Failing", "--check", "echo broken >&2; exit 3", "--check", "echo never-runs")
            let untested = try sandbox.newCard("No tests")

            try sandbox.installFakeAgent("claude", script: ReviewAgent.script(
                tests: [passing: ("swift test --parallel", true), failing: ("cd app && python -m pytest -q", false)]))
            let green = try sandbox.dispatch(passing, ["--agent", "claude"])
            let red = try sandbox.dispatch(failing, ["--agent", "claude"])
            let plain = try sandbox.dispatch(untested, ["--agent", "claude"])
            try sandbox.waitUntilIdle()

            let greenRun = try sandbox.reviewedRun(green.id)
            #expect(greenRun.state == "completed")
            #expect(greenRun.checks?.outcome == "passed" && greenRun.checks?.exitCode == 0, "\(String(describing: greenRun.checks))")
            #expect(greenRun.checks?.commit == (try sandbox.gitOK("rev-parse", greenRun.branch)))
            #expect(greenRun.agentTested == "yes_passed")
            let log = try sandbox.gitOK("show", "refs/kanbots/runs/\(green.id):checks.log")
            #expect(log.contains("second-check-ran") && log.contains("card-check-ran"), "log: \(log)")
            #expect(!log.contains(Self.secret) && log.contains("[REDACTED]"), "log not redacted: \(log)")
            // Repository checks run before the card's, in order.
            let order = ["grep -q done", "second-check-ran", "card-check-ran"].compactMap { log.range(of: $0)?.lowerBound }
            #expect(order.count == 3 && order == order.sorted(), "order in log: \(log)")

            let redRun = try sandbox.reviewedRun(red.id)
            #expect(redRun.state == "completed", "a failing check does not fail the run: \(redRun.state)")
            #expect(redRun.checks?.outcome == "failed" && redRun.checks?.exitCode == 3)
            #expect(redRun.checks?.failedCommand == "echo broken >&2; exit 3")
            #expect(redRun.agentTested == "yes_failed")
            let redLog = try sandbox.kanbots("log", "--checks", red.id)
            expectSuccess(redLog)
            #expect(redLog.stdout.contains("broken") && !redLog.stdout.contains("never-runs"), "\(redLog.stdout)")
            #expect(redLog.stdout.contains("checks failed"), "\(redLog.stdout)")

            #expect(try sandbox.reviewedRun(plain.id).agentTested == "no")
            let shown = try sandbox.kanbots("show", red.id)
            #expect(shown.stdout.contains("checks failed") && shown.stdout.contains("agent tested: yes, failed"), "\(shown.stdout)")
            // Each outcome is in the record, for plain git readers too.
            #expect(try sandbox.record(red.id)["Checks"] == "failed")
        }
    }

    @Test func aCheckThatOutlivesTheTimeoutIsEndedWithItsGroupWhileTheBoardShowsChecking() throws {
        try Sandbox.with(cards: ["Slow check"]) { sandbox in
            let pidFile = sandbox.root + "/check.pid"
            try sandbox.gitOK("config", "kanbots.check-timeout", "4s")
            try sandbox.kanbotsOK("card", "edit", "1", "--check", "echo $$ > \(shellQuoted(pidFile)); sleep 300")
            try sandbox.installFakeAgent("claude", script: ReviewAgent.script())
            let run = try sandbox.dispatch(1, ["--agent", "claude"])

            // While the check runs, the run stays running and the board says so.
            let deadline = Date().addingTimeInterval(60)
            var sawChecking = false
            while Date() < deadline, !sawChecking {
                let info = try sandbox.runs().first { $0.id == run.id }
                if info?.recordedState == "running", info?.reason == "checking" { sawChecking = true }
                if info.map({ !$0.isRecordedActive }) ?? false { break }
                Thread.sleep(forTimeInterval: 0.05)
            }
            #expect(sawChecking, "the board never showed the run as checking")

            try sandbox.waitUntilIdle(timeout: 90)
            let info = try sandbox.reviewedRun(run.id)
            #expect(info.state == "completed")
            #expect(info.checks?.outcome == "timed_out" && info.checks?.exitCode == nil, "\(String(describing: info.checks))")
            let pid = try #require(sandbox.recordedPID(pidFile))
            #expect(kill(pid, 0) != 0, "the timed-out check \(pid) is still alive")
            let log = try sandbox.gitOK("show", "refs/kanbots/runs/\(run.id):checks.log")
            #expect(log.contains("timed out"), "log: \(log)")
        }
    }

    /// Dispatches card 1 to an agent that commits, with a check that runs
    /// for five minutes; returns once the check runs, with its pid.
    static func dispatchUntilItsCheckRuns(_ sandbox: Sandbox) throws -> (run: DispatchedRun, check: Int32) {
        let pidFile = sandbox.root + "/check.pid"
        try sandbox.gitOK("config", "--add", "kanbots.check", "echo $$ > \(shellQuoted(pidFile)); exec sleep 300")
        try sandbox.installFakeAgent("claude", script: ReviewAgent.script())
        let run = try sandbox.dispatch(1, ["--agent", "claude"])
        let deadline = Date().addingTimeInterval(60)
        while sandbox.recordedPID(pidFile) == nil, Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        return (run, try #require(sandbox.recordedPID(pidFile), "the check never started"))
    }

    @Test func stoppingARunWhileItsChecksRunEndsTheChecks() throws {
        try Sandbox.with(cards: ["Stopped while checking"]) { sandbox in
            let (run, pid) = try Self.dispatchUntilItsCheckRuns(sandbox)

            expectSuccess(try sandbox.kanbots("stop", run.id))
            let info = try sandbox.finishedRun(run.id)
            #expect(info.state == "cancelled" && info.reason == "stopped_by_user", "\(info.state) \(info.reason ?? "")")
            #expect(kill(pid, 0) != 0, "the check \(pid) outlived the stop")
            #expect(try sandbox.reviewedRun(run.id).checks == nil, "a stopped check is not a result")
        }
    }

    @Test func checksOrphanedByAKilledSupervisorAreEndedWhenTheRunIsReconciled() throws {
        try Sandbox.with(cards: ["Supervisor killed while checking"]) { sandbox in
            let (run, check) = try Self.dispatchUntilItsCheckRuns(sandbox)
            let supervisor = try #require(try sandbox.record(run.id)["Supervisor-PID"].flatMap { Int32($0) })
            kill(supervisor, SIGKILL)
            #expect(ProcessProbe.waitUntil(timeout: 10) { kill(supervisor, 0) != 0 }, "the supervisor survived kill -9")
            #expect(kill(check, 0) == 0, "the check ended with its supervisor: nothing to reconcile")

            expectSuccess(try sandbox.kanbots("reconcile"))
            #expect(ProcessProbe.waitUntil(timeout: 10) { kill(check, 0) != 0 }, "the orphaned check \(check) is still running")
            let info = try sandbox.finishedRun(run.id)
            #expect(info.state == "failed" && info.reason?.hasPrefix("supervisor_lost") == true, "\(info.state) \(info.reason ?? "")")
        }
    }

    @Test func checkRerunsOnDemandInARestoredWorktreeAndRecordsTheNewResult() throws {
        try Sandbox.with(cards: ["Fix it"]) { sandbox in
            let flag = sandbox.root + "/fixed"
            try sandbox.gitOK("config", "--add", "kanbots.check", "test -f \(shellQuoted(flag)) && grep -q done work.txt")
            try sandbox.installFakeAgent("claude", script: ReviewAgent.script())
            let run = try sandbox.dispatch(1, ["--agent", "claude"])
            try sandbox.waitUntilIdle()
            #expect(try sandbox.reviewedRun(run.id).checks?.outcome == "failed")

            let failedAgain = try sandbox.kanbots("check", run.id)
            #expect(failedAgain.status == 1, "a failing check exits 1: \(failedAgain)")
            #expect(failedAgain.stdout.contains("check 1/1") && failedAgain.stdout.contains("checks failed"), "\(failedAgain)")

            // The environment is fixed and gc-like cleanup removed the worktree.
            try sandbox.write(flag, "")
            try FileManager.default.removeItem(atPath: sandbox.path(run.worktree))
            let versions = try sandbox.history(run.id).count
            let passed = try sandbox.kanbots("check", run.id)
            expectSuccess(passed)
            #expect(passed.stdout.contains("checks passed"), "\(passed.stdout)")
            #expect(sandbox.exists(run.worktree + "/work.txt"), "the worktree was not restored")
            let info = try sandbox.reviewedRun(run.id)
            #expect(info.checks?.outcome == "passed" && info.state == "completed")
            #expect(try sandbox.history(run.id).count == versions + 1, "the new result is one more record version")

            let json = try sandbox.kanbots("check", "--json", run.id)
            expectSuccess(json)
            #expect(json.stdout.contains(#""outcome": "passed""#), "\(json.stdout)")
        }
    }

    @Test func checkRefusesClearlyWhatItCannotCheck() throws {
        try Sandbox.with(cards: ["Busy", "Unchecked"]) { sandbox in
            let gate = sandbox.root + "/gate"
            try sandbox.installFakeAgent("claude", script: ReviewAgent.script(gate: gate))
            let busy = try sandbox.dispatch(1, ["--agent", "claude"])
            try sandbox.gitOK("config", "--add", "kanbots.check", "true")
            _ = try sandbox.waitForRecord(busy.id) { $0["State"] == "running" }
            let versions = try sandbox.history(busy.id).count
            expectCleanError(try sandbox.kanbots("check", busy.id), mentioning: busy.id, "stop")
            expectCleanError(try sandbox.kanbots("check", "999-zzzz"), mentioning: "999-zzzz")
            #expect(try sandbox.history(busy.id).count == versions, "a refused check wrote to the record")
            try sandbox.write(gate, "")
            try sandbox.waitUntilIdle()

            try sandbox.gitOK("config", "--unset-all", "kanbots.check")
            let unchecked = try sandbox.dispatch(2, ["--agent", "claude"])
            try sandbox.waitUntilIdle()
            expectCleanError(try sandbox.kanbots("check", unchecked.id), mentioning: "kanbots.check", "--check")
            #expect(try sandbox.reviewedRun(unchecked.id).checks == nil, "no checks configured, none recorded")

            try sandbox.gitOK("config", "--add", "kanbots.check", "true")
            try sandbox.gitOK("worktree", "remove", "--force", sandbox.path(unchecked.worktree))
            try sandbox.gitOK("branch", "-D", unchecked.branch)
            expectCleanError(try sandbox.kanbots("check", unchecked.id), mentioning: "no branch")

            try sandbox.gitOK("config", "kanbots.check-timeout", "soon")
            expectCleanError(try sandbox.kanbots("check", busy.id), mentioning: "kanbots.check-timeout", "10m")
        }
    }

    @Test func cardsCarryScopeAndChecks() throws {
        try Sandbox.with { sandbox in
            let number = try sandbox.newCard("API work", "--scope", "Sources/API/**", "--scope", "Tests/API/**",
                                             "--check", "swift test --filter API")
            struct CardJSON: Decodable { var scope: [String]; var checks: [String] }
            var card = try JSON.decode(CardJSON.self, from: try sandbox.kanbots("card", "show", "--json", String(number)))
            #expect(card.scope == ["Sources/API/**", "Tests/API/**"] && card.checks == ["swift test --filter API"])
            #expect(try sandbox.kanbots("card", "show", String(number)).stdout.contains("scope: Sources/API/**"))

            try sandbox.kanbotsOK("card", "edit", String(number), "--clear-scope", "--scope", "docs/", "--clear-checks")
            let cards = try JSON.decode([CardJSON].self, from: try sandbox.kanbots("card", "list", "--json"))
            card = try #require(cards.first)
            #expect(card.scope == ["docs/"] && card.checks.isEmpty, "\(card)")
            expectCleanError(try sandbox.kanbots("card", "edit", String(number), "--check", " "), mentioning: "--check")
        }
    }
}
