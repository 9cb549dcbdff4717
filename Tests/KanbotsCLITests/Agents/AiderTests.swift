import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The real Aider (aider-chat from PyPI) in its one-shot mode, against the
/// project's mock of an OpenAI-compatible chat API (Tests/Fixtures/mock-openai).
@Suite("aider") struct AiderTests {
    static let fixtures = Sandbox.packageRoot + "/Tests/Fixtures/mock-openai"

    /// `KANBOTS_TEST_AIDER`, else what scripts/install-aider.sh prints.
    static func program(_ sandbox: Sandbox) throws -> String {
        if let configured = ProcessInfo.processInfo.environment["KANBOTS_TEST_AIDER"], !configured.isEmpty {
            return configured
        }
        let result = try sandbox.run("/usr/bin/env", ["bash", Sandbox.packageRoot + "/scripts/install-aider.sh"],
                                     in: Sandbox.packageRoot, timeout: 900)
        guard result.succeeded, KanbotsBinary.isExecutableFile(result.output) else {
            throw TestFailure("cannot install aider (set KANBOTS_TEST_AIDER or fix scripts/install-aider.sh): \(result)")
        }
        return result.output
    }

    /// Dispatches card 1 to the real Aider against the mock chat API
    /// (scenario-aider-write.json), with `extraArguments` for Aider; confined
    /// when bwrap is here (`kanbots.sandbox auto`). Returns the run, ended;
    /// the mock logs the requests to `openai-requests.jsonl` in the sandbox.
    static func runToItsEnd(_ sandbox: Sandbox, extraArguments: String = "") throws -> (run: DispatchedRun, info: RunInfo) {
        try sandbox.gitOK("config", "kanbots.sandbox", "auto")
        try sandbox.gitOK("config", "kanbots.agent.aider.path", try program(sandbox))
        try sandbox.gitOK("config", "kanbots.agent.aider.args",
                          "--model-metadata-file \(fixtures)/model-metadata.json \(extraArguments)")
        let log = sandbox.root + "/openai-requests.jsonl"
        let (server, port) = try sandbox.startLoopbackServer(
            fixtures + "/server.py",
            ["--scenario", fixtures + "/scenario-aider-write.json", "--log", log, "--max-lifetime", "300"],
            name: "mock-openai", timeout: 15)
        defer { server.signal(SIGTERM) }
        let home = sandbox.root + "/aider-home"
        try FileManager.default.createDirectory(atPath: home, withIntermediateDirectories: true)
        let run = try sandbox.dispatch(1, ["--agent", "aider", "--model", "openai/mock-model"], environment: [
            "OPENAI_API_BASE": "http://127.0.0.1:\(port)/v1", "OPENAI_API_KEY": "test", "HOME": home,
        ])
        return (run, try sandbox.finishedRun(run.id, timeout: 180))
    }

    @Test func editsCommitsOnTheRunsBranchAndIsMeteredByItsCostReport() throws {
        try Sandbox.with(cards: ["Create hello.txt"]) { sandbox in
            let log = sandbox.root + "/openai-requests.jsonl"
            let (run, info) = try Self.runToItsEnd(sandbox)
            #expect(info.state == "completed", "\(info.state) \(info.reason ?? "")")
            #expect(try sandbox.record(run.id)["Sandbox"] == (Bubblewrap.works ? "bwrap" : nil))
            #expect(try sandbox.gitOK("show", "\(run.branch):hello.txt") == "Hello from aider")
            // Aider's own commit, on the run's branch, with the message the model wrote.
            let subjects = try sandbox.gitOK("log", "--format=%s", "\(info.baseCommit)..\(run.branch)")
            #expect(subjects.contains("Add hello.txt with a greeting"), "\(subjects)")
            #expect(!(try sandbox.gitOK("ls-tree", "-r", "--name-only", run.branch)).contains(".aider"),
                    "aider left its own files in the work")

            // Aider prints "Cost: $0.0020 message, $0.0020 session."; that is the run's cost.
            let transcript = try sandbox.storedTranscript(run.id)
            let reported = try #require(transcript.split(separator: "\n").compactMap { line -> Double? in
                guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                      object["type"] as? String == "aider_usage" else { return nil }
                return object["session_cost_usd"] as? Double
            }.last)
            #expect(reported > 0 && abs(info.costUSD - reported) < 1e-9, "cost \(info.costUSD), aider says \(reported)")
            #expect((sandbox.read(log) ?? "").contains(#""stream": true"#), "the chat API was not streamed to")

            let rendered = try sandbox.kanbots("log", run.id).stdout
            #expect(rendered.contains("Applied edit to hello.txt"), "\(rendered)")
        }
    }
}
