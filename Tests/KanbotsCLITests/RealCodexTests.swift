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
        _ sandbox: Sandbox, scenario: String, dispatch extra: [String] = [],
        _ body: (DispatchedRun, MockOpenAI, [String: String]) throws -> T
    ) throws -> T {
        try sandbox.gitOK("config", "kanbots.agent.codex.path", try MockOpenAI.codexBinary(sandbox))
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

    @Test func writesAFileCommitsItAndIsMeteredAtThePriceTable() throws {
        try Sandbox.with(cards: ["Create hello.txt"]) { sandbox in
            try Self.withCodex(sandbox, scenario: "scenario-write-file.json") { run, mock, _ in
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
}
