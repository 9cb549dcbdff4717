import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The real Codex CLI (`openai-codex-cli-bin`, installed by
/// scripts/install-codex-cli.sh) under supervision, against the project's
/// mock of the OpenAI Responses API (Tests/Fixtures/mock-openai).
@Suite("real codex") struct RealCodexTests {
    /// gpt-5 in the built-in price table, USD per million tokens.
    static let gpt5 = (input: 1.25, cachedInput: 0.125, output: 10.0)

    /// Dispatches the real CLI against `scenario`, with the mock kept running
    /// for `body` (which may dispatch replies with the same environment).
    static func withCodex<T>(
        _ sandbox: Sandbox, scenario: String, dispatch extra: [String] = [], sandboxMode: String = "auto",
        _ body: (DispatchedRun, MockOpenAI, [String: String]) throws -> T
    ) throws -> T {
        try sandbox.gitOK("config", "kanbots.agent.codex.path", try MockOpenAI.codexBinary(sandbox))
        // Confined like a user's runs by default (bubblewrap when installed).
        try sandbox.gitOK("config", "kanbots.sandbox", sandboxMode)
        let mock = try MockOpenAI(scenario: scenario, in: sandbox)
        defer { mock.stop() }
        let environment = try mock.codexEnvironment(in: sandbox)
        let run = try sandbox.dispatch(1, ["--agent", "codex", "--model", "gpt-5", "--cap", "5"] + extra,
                                       environment: environment)
        return try body(run, mock, environment)
    }

    /// The `turn.completed` usage objects of a Codex transcript.
    static func turnUsages(_ transcript: String) -> [[String: Any]] {
        transcript.split(separator: "\n").compactMap { line in
            guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                  object["type"] as? String == "turn.completed" else { return nil }
            return object["usage"] as? [String: Any]
        }
    }

    /// Confined by git-kanbots' bubblewrap (`auto`, when bwrap is installed)
    /// or by Codex's own `workspace-write` sandbox (`off`): either way the
    /// agent commits on its own branch.
    @Test(arguments: ["auto", "off"])
    func writesAFileCommitsItAndIsMeteredAtThePriceTable(sandboxMode: String) throws {
        try Sandbox.with(cards: ["Create hello.txt"]) { sandbox in
            try Self.withCodex(sandbox, scenario: "scenario-write-file.json", sandboxMode: sandboxMode) { run, mock, _ in
                let info = try sandbox.finishedRun(run.id, timeout: 120)
                let transcript = try sandbox.storedTranscript(run.id)
                #expect(info.state == "completed", "\(info.state) \(info.reason ?? ""); transcript:\n\(transcript)")
                // The agent's own commit is on the branch, not only the supervisor's checkpoint.
                let subjects = try sandbox.gitOK("log", "--format=%s", run.branch).split(separator: "\n")
                #expect(subjects.contains("Add hello.txt"), "commits on \(run.branch): \(subjects); transcript:\n\(transcript)")
                #expect(try sandbox.gitOK("show", "\(run.branch):hello.txt") == "Hello, world!")
                #expect(mock.requests().contains { $0["expectation_met"] as? Bool == true },
                        "the commit's output did not reach the model: \(mock.requests().map { $0["function_outputs"] ?? "-" })")
                #expect(mock.requests().allSatisfy { ($0["cwd"] as? String).map { $0 == run.worktree } ?? true },
                        "codex did not run in the worktree: \(mock.requests().map { $0["cwd"] ?? "-" })")

                // Cost = the turn's usage × the price table.
                let usage = try #require(Self.turnUsages(transcript).last, "no turn.completed in:\n\(transcript)")
                let input = try #require(usage["input_tokens"] as? Int), cached = try #require(usage["cached_input_tokens"] as? Int)
                let output = try #require(usage["output_tokens"] as? Int)
                let expected = (Double(input - cached) * Self.gpt5.input + Double(cached) * Self.gpt5.cachedInput
                    + Double(output) * Self.gpt5.output) / 1_000_000
                #expect(input == 25000 && cached == 20000 && output == 350, "usage: \(usage)")
                #expect(abs(info.costUSD - expected) < 1e-9, "cost \(info.costUSD), usage × prices \(expected)")
            }
        }
    }

    @Test func aRunawayIsStoppedAtItsCap() throws {
        try Sandbox.with(cards: ["Loop forever"]) { sandbox in
            // Every response: 100,000 input + 1,000 output tokens on gpt-5 = $0.135, all in one turn.
            try Self.withCodex(sandbox, scenario: "scenario-cost-loop.json", dispatch: ["--cap", "0.30"]) { run, mock, _ in
                let info = try sandbox.finishedRun(run.id, timeout: 120)
                #expect(info.state == "failed" && info.reason?.hasPrefix("cost_capped") == true,
                        "\(info.state) \(info.reason ?? "")")
                #expect(info.costUSD >= 0.30 && info.costUSD < 1, "cost \(info.costUSD)")
                let agent = try #require(try sandbox.history(run.id).compactMap { $0["Agent-PID"].flatMap { Int32($0) } }.last)
                #expect(ProcessProbe.waitUntil(timeout: 10) { !ProcessProbe.isGroupAlive(agent) },
                        "agent process group \(agent) still alive")
                let served = mock.requests().count
                Thread.sleep(forTimeInterval: 1)
                #expect(mock.requests().count == served && served < 10, "the model was still called: \(served) requests")
            }
        }
    }

    @Test func a429LoopShowsAsRateLimited() throws {
        try Sandbox.with(cards: ["Say hi"]) { sandbox in
            try Self.withCodex(sandbox, scenario: "scenario-429-exhausted.json") { run, _, _ in
                struct Live: Decodable { var id: String; var rate_limit: RateLimit? }
                struct RateLimit: Decodable { var attempt: Int; var error_status: Int? }
                var seen: RateLimit?
                _ = ProcessProbe.waitUntil(timeout: 60, interval: 0.2) {
                    let runs = (try? JSON.decode([Live].self, from: try sandbox.kanbots("status", "--json", "--all"))) ?? []
                    seen = runs.first { $0.id == run.id }?.rate_limit
                    return seen != nil
                }
                #expect(seen?.error_status == 429, "status never showed the run rate limited: \(String(describing: seen))")
                let info = try sandbox.finishedRun(run.id, timeout: 120)
                #expect(info.state == "failed" && info.reason == "rate_limited", "\(info.state) \(info.reason ?? "")")
            }
        }
    }

    @Test func aReplyResumesTheThread() throws {
        try Sandbox.with(cards: ["Write notes"]) { sandbox in
            try Self.withCodex(sandbox, scenario: "scenario-reply.json") { first, mock, environment in
                let firstInfo = try sandbox.finishedRun(first.id, timeout: 120)
                #expect(firstInfo.state == "completed", "\(firstInfo.state) \(firstInfo.reason ?? "")")
                let reply = try DispatchedRun(parsing: try sandbox.kanbotsOK(
                    "reply", first.id, "Add a follow-up line.", environment: environment))
                let info = try sandbox.finishedRun(reply.id, timeout: 120)
                #expect(info.state == "completed", "\(info.state) \(info.reason ?? "")")
                #expect(try sandbox.gitOK("show", "\(first.branch):notes.txt") == "first\nsecond")
                // One conversation, continued: the reply's requests carry the first run's thread.
                let conversations = Set(mock.requests().compactMap { $0["conversation"] as? String })
                #expect(conversations.count == 1, "conversations: \(conversations)")
                let thread = try sandbox.record(first.id)["Session"]
                #expect(thread != nil && conversations.first == thread, "thread \(thread ?? "nil"), conversations \(conversations)")
                // The reply pays for its own turn only: 3,000 + 3,100 input, 120 output.
                let expected = (6100 * Self.gpt5.input + 120 * Self.gpt5.output) / 1_000_000
                #expect(abs(info.costUSD - expected) < 1e-9, "reply cost \(info.costUSD), its own usage costs \(expected)")
            }
        }
    }

    @Test func killingTheSupervisorLosesNothing() throws {
        try Sandbox.with(cards: ["Slow work"]) { sandbox in
            try Self.withCodex(sandbox, scenario: "scenario-slow.json") { run, _, _ in
                let running = ProcessProbe.waitUntil(timeout: 60, interval: 0.1) {
                    (try? sandbox.record(run.id)["Agent-PID"]) != nil
                }
                #expect(running, "the run never started its agent")
                let supervisor = try #require(try sandbox.record(run.id)["Supervisor-PID"].flatMap { Int32($0) })
                kill(supervisor, SIGKILL)
                let lost = ProcessProbe.waitUntil(timeout: 10) {
                    (try? sandbox.runs().first { $0.id == run.id }?.supervisor) != "alive"
                }
                #expect(lost, "the run still shows a live supervisor")
                expectSuccess(try sandbox.kanbots("reconcile"))
                let info = try sandbox.finishedRun(run.id, timeout: 120)
                #expect(info.state == "completed", "\(info.state) \(info.reason ?? "")")
                #expect(try sandbox.gitOK("show", "\(run.branch):slow.txt") == "slow")
                let expected = (8200 * Self.gpt5.input + 120 * Self.gpt5.output) / 1_000_000
                #expect(abs(info.costUSD - expected) < 1e-9, "cost \(info.costUSD), usage × prices \(expected)")
            }
        }
    }

    @Test func aDecisionThroughTheAskTool() throws {
        try Sandbox.with(cards: ["Create hello.txt"]) { sandbox in
            try Self.withCodex(sandbox, scenario: "scenario-ask.json") { run, mock, _ in
                do {
                    try sandbox.waitForQuestion(run.id, timeout: 90)
                } catch {
                    let tools = mock.requests().first?["tools"] ?? "-"
                    throw TestFailure("\(error)\ntools offered: \(tools)\ntranscript:\n\((try? sandbox.storedTranscript(run.id)) ?? "")")
                }
                let open = try sandbox.openDecisions()
                #expect(open.map(\.run) == [run.id])
                #expect(open.first?.question.options == ["Hello, world!", "Hi there"])
                expectSuccess(try sandbox.kanbots("answer", run.id, "2"))
                let info = try sandbox.finishedRun(run.id, timeout: 120)
                #expect(info.state == "completed", "\(info.state) \(info.reason ?? "")")
                #expect(try sandbox.gitOK("show", "\(run.branch):hello.txt") == "Hi there")
                let outputs = mock.requests().compactMap { $0["function_outputs"] as? [String] }.last ?? []
                #expect(outputs.contains { $0.contains("Hi there") }, "the answer did not reach the model: \(outputs)")
            }
        }
    }
}
