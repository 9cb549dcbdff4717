import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Real supervised runs of `claude`/`codex`-shaped agents: scripted fakes that
/// print exact streams, and the real Claude Code CLI against the mock API.
@Suite("supervised agents") struct SupervisedAgentTests {
    static let capturedWriteFile = Sandbox.mockAnthropicFolder + "/captured-write-file.ndjson"

    static func fixtureLines(_ path: String) throws -> [String] {
        guard let data = FileManager.default.contents(atPath: path) else { throw TestFailure("missing fixture \(path)") }
        return String(decoding: data, as: UTF8.self).split(separator: "\n").map(String.init)
    }

    /// A fake Claude that records its arguments, prints `stream` (a file),
    /// then runs `then` in its working directory.
    static func fakeClaude(stream: String, argsFile: String, then tail: String = "exit 0") -> String {
        """
        #!/bin/sh
        printf '%s\\n' "$@" > \(shellQuoted(argsFile))
        cat \(shellQuoted(stream))
        \(tail)

        """
    }

    @Test func claudeStreamIsSupervisedMeteredCheckpointedAndStored() throws {
        try Sandbox.with(cards: ["Say hello"]) { sandbox in
            var lines = try Self.fixtureLines(Self.capturedWriteFile)
            let total = try #require(Sandbox.resultEvent(in: lines.joined(separator: "\n"))?["total_cost_usd"] as? Double)
            lines.insert(#"{"type":"assistant","message":{"id":"msg_truncated","content":[{"ty"#, at: 2)
            lines.insert(#"{"type":"telemetry_ping","sequence":42,"payload":{"ok":true}}"#, at: 4)
            let stream = sandbox.root + "/stream.ndjson"
            try sandbox.write(stream, lines.joined(separator: "\n") + "\n")
            let argsFile = sandbox.root + "/args.txt"
            try sandbox.installFakeAgent("claude", script: Self.fakeClaude(
                stream: stream, argsFile: argsFile, then: "printf 'Hello, world!\\n' > hello.txt\nexit 0"))

            let run = try sandbox.dispatch(1, ["--agent", "claude", "--cap", "5"])
            let info = try sandbox.finishedRun(run.id)
            #expect(info.state == "completed", "\(info.state) \(info.reason ?? "")")
            #expect(abs(info.costUSD - total) < 1e-6, "cost \(info.costUSD), stream says \(total)")

            let args = sandbox.read(argsFile)?.split(separator: "\n").map(String.init) ?? []
            for expected in ["-p", "--output-format", "stream-json", "--verbose", "--permission-mode",
                             "bypassPermissions", "--max-budget-usd"] {
                #expect(args.contains(expected), "agent arguments lack \(expected): \(args)")
            }
            #expect(try sandbox.gitOK("show", "\(run.branch):hello.txt") == "Hello, world!")
            let tipMessage = try sandbox.gitOK("log", "-1", "--format=%B", run.branch)
            #expect(tipMessage.contains("checkpoint") && tipMessage.contains(run.id), "tip: \(tipMessage)")

            let log = try sandbox.kanbots("log", run.id)
            expectSuccess(log)
            #expect(log.stdout.contains("→"), "log renders no tool call: \(log.stdout)")

            let stored = try sandbox.storedTranscript(run.id).split(separator: "\n").map(String.init)
            #expect(stored == lines, "stored transcript: \(stored.count) lines, sent \(lines.count)")
        }
    }

    @Test func agentExitCodeFailsTheRun() throws {
        try Sandbox.with(cards: ["Crash"]) { sandbox in
            let stream = sandbox.root + "/stream.ndjson"
            try sandbox.write(stream, try Self.fixtureLines(Self.capturedWriteFile).prefix(2).joined(separator: "\n") + "\n")
            try sandbox.installFakeAgent("claude", script: Self.fakeClaude(
                stream: stream, argsFile: sandbox.root + "/args.txt", then: "exit 3"))
            let run = try sandbox.dispatch(1, ["--agent", "claude"])
            let info = try sandbox.finishedRun(run.id)
            #expect(info.state == "failed")
            #expect(info.reason == "agent_exited 3", "reason: \(info.reason ?? "nil")")
        }
    }

    @Test func costCapStopsTheAgentsProcessGroup() throws {
        try Sandbox.with(cards: ["Spend money"]) { sandbox in
            // Every message is new: 20,000 input tokens on sonnet 4.5 = $0.06 each.
            let script = """
            #!/bin/sh
            sleep 600 &
            echo '{"type":"system","subtype":"init","session_id":"s-cap","model":"claude-sonnet-4-5","tools":[]}'
            i=0
            while true; do
              i=$((i+1))
              echo '{"type":"assistant","message":{"id":"msg_loop_'$i'","type":"message","role":"assistant","model":"claude-sonnet-4-5","content":[{"type":"text","text":"more"}],"usage":{"input_tokens":20000,"output_tokens":1,"cache_creation_input_tokens":0,"cache_read_input_tokens":0}}}'
              sleep 0.05
            done

            """
            try sandbox.installFakeAgent("claude", script: script)
            let run = try sandbox.dispatch(1, ["--agent", "claude", "--cap", "0.10"])
            let info = try sandbox.finishedRun(run.id, timeout: 30)
            #expect(info.state == "failed")
            #expect(info.reason?.hasPrefix("cost_capped") == true, "reason: \(info.reason ?? "nil")")
            #expect(info.costUSD >= 0.10 && info.costUSD < 1, "cost \(info.costUSD)")
            let agent = try #require(try sandbox.history(run.id).compactMap { $0["Agent-PID"].flatMap { Int32($0) } }.last)
            #expect(ProcessProbe.waitUntil(timeout: 5) { !ProcessProbe.isGroupAlive(agent) },
                    "agent process group \(agent) still alive")
        }
    }

    @Test func secretsAreRedactedInTheStoredTranscript() throws {
        try Sandbox.with(cards: ["Leak"]) { sandbox in
            let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
            let secret = "sk-ant-api03-" + String((0..<40).map { _ in alphabet.randomElement()! })
            let lines = [
                #"{"type":"system","subtype":"init","session_id":"s-secret","model":"claude-sonnet-4-5","tools":[]}"#,
                #"{"type":"assistant","message":{"id":"msg_s1","model":"claude-sonnet-4-5","content":[{"type":"text","text":"the key is \#(secret) ok"}],"usage":{"input_tokens":10,"output_tokens":1}}}"#,
                #"{"type":"result","subtype":"success","is_error":false,"total_cost_usd":0.001,"result":"export ANTHROPIC_API_KEY=\#(secret)"}"#,
            ]
            let stream = sandbox.root + "/stream.ndjson"
            try sandbox.write(stream, lines.joined(separator: "\n") + "\n")
            try sandbox.installFakeAgent("claude", script: Self.fakeClaude(stream: stream, argsFile: sandbox.root + "/args.txt"))
            let run = try sandbox.dispatch(1, ["--agent", "claude"])
            _ = try sandbox.finishedRun(run.id)
            let stored = try sandbox.storedTranscript(run.id)
            #expect(!stored.contains(secret), "secret stored in git: \(stored)")
            #expect(!stored.contains(String(secret.suffix(20))), "part of the secret stored in git: \(stored)")
            #expect(stored.contains("[REDACTED]"), "no [REDACTED] marker: \(stored)")
            #expect(stored.split(separator: "\n").count == lines.count)
        }
    }

    /// Lines far longer than the slices the supervisor reads (a tool's whole
    /// output on one line) are stored whole, redacted, and nothing after them is lost.
    @Test func linesLongerThanAReadSliceAreStoredWholeAndRedacted() throws {
        try Sandbox.with(cards: ["Long lines"]) { sandbox in
            let secret = "ghp_" + String(repeating: "Ab3", count: 12)
            let big = String(repeating: "0123456789 ", count: 300_000)  // 3.3 MB
            let lines = [
                #"{"type":"system","subtype":"init","session_id":"s-long","model":"claude-sonnet-4-5","tools":[]}"#,
                #"{"type":"user","message":{"role":"user","content":[{"type":"tool_result","tool_use_id":"t1","content":"\#(big) token \#(secret) \#(big)"}]}}"#,
                #"{"type":"assistant","message":{"id":"msg_l1","model":"claude-sonnet-4-5","content":[{"type":"text","text":"after"}],"usage":{"input_tokens":10,"output_tokens":1}}}"#,
                #"{"type":"result","subtype":"success","is_error":false,"total_cost_usd":0.001,"result":"done"}"#,
            ]
            let stream = sandbox.root + "/stream.ndjson"
            try sandbox.write(stream, lines.joined(separator: "\n") + "\n")
            try sandbox.installFakeAgent("claude", script: Self.fakeClaude(stream: stream, argsFile: sandbox.root + "/args.txt"))
            let run = try sandbox.dispatch(1, ["--agent", "claude"])
            let info = try sandbox.finishedRun(run.id)
            #expect(info.state == "completed", "\(info.state) \(info.reason ?? "")")
            let stored = try sandbox.storedTranscript(run.id).split(separator: "\n")
            #expect(stored.count == lines.count, "stored \(stored.count) lines of \(lines.count)")
            #expect(stored.count == lines.count && stored[1].utf8.count > 6_000_000, "the long line was cut")
            #expect(!stored.joined().contains(secret), "the secret in the long line was stored")
            #expect(stored.last?.contains(#""result":"done""#) == true, "the lines after the long one were lost")
        }
    }

    @Test func codexStreamIsMetered() throws {
        try Sandbox.with(cards: ["Codex work"]) { sandbox in
            let lines = [
                #"{"type":"thread.started","thread_id":"0199a213-81c0-7800-8aa1-bbab2a035a53"}"#,
                #"{"type":"turn.started"}"#,
                #"{"type":"item.completed","item":{"id":"item_0","type":"agent_message","text":"Done."}}"#,
                #"{"type":"turn.completed","usage":{"input_tokens":24763,"cached_input_tokens":24448,"output_tokens":122}}"#,
            ]
            let stream = sandbox.root + "/stream.ndjson"
            try sandbox.write(stream, lines.joined(separator: "\n") + "\n")
            let argsFile = sandbox.root + "/args.txt"
            try sandbox.installFakeAgent("codex", script: Self.fakeClaude(stream: stream, argsFile: argsFile))
            let run = try sandbox.dispatch(1, ["--agent", "codex", "--model", "gpt-5"])
            let info = try sandbox.finishedRun(run.id)
            #expect(info.state == "completed", "\(info.state) \(info.reason ?? "")")
            #expect(info.costUSD > 0, "cost \(info.costUSD)")
            let args = sandbox.read(argsFile)?.split(separator: "\n").map(String.init) ?? []
            #expect(args.first == "exec" && args.contains("--json") && args.contains("gpt-5"), "codex arguments: \(args)")
            #expect(try sandbox.storedTranscript(run.id).split(separator: "\n").map(String.init) == lines)
        }
    }

    @Test func missingAgentBinaryIsAnErrorAtDispatch() throws {
        try Sandbox.with(cards: ["Nobody home"]) { sandbox in
            try sandbox.gitOK("config", "kanbots.agent.claude.path", "/nonexistent")
            let result = try sandbox.kanbots("dispatch", "1", "--agent", "claude")
            expectCleanError(result, mentioning: "kanbots.agent.claude.path")
            let refs = try sandbox.runRefs()
            #expect(refs.isEmpty, "a run ref was created: \(refs)")
        }
    }

    // MARK: The real Claude Code CLI against the mock API

    /// Dispatches the real CLI against `scenario`; returns the run and its stored transcript.
    static func realClaudeRun(_ sandbox: Sandbox, scenario: String) throws -> (DispatchedRun, RunInfo, String, MockAnthropic) {
        let claude = try MockAnthropic.claudeBinary(sandbox)
        try sandbox.gitOK("config", "kanbots.agent.claude.path", claude)
        let mock = try MockAnthropic(scenario: scenario, in: sandbox)
        defer { mock.stop() }
        let run = try sandbox.dispatch(1, ["--agent", "claude", "--model", "claude-sonnet-4-5", "--cap", "5"],
                                       environment: try mock.claudeEnvironment(in: sandbox))
        let info = try sandbox.finishedRun(run.id, timeout: 90)
        let transcript = try sandbox.storedTranscript(run.id)
        return (run, info, transcript, mock)
    }

    @Test func realClaudeWritesAFileAndCompletes() throws {
        try Sandbox.with(cards: ["Create hello.txt"]) { sandbox in
            let (run, info, transcript, mock) = try Self.realClaudeRun(sandbox, scenario: "scenario-write-file.json")
            #expect(info.state == "completed", "\(info.state) \(info.reason ?? ""); transcript:\n\(transcript)")
            #expect(try sandbox.gitOK("show", "\(run.branch):hello.txt") == "Hello, world!")
            let total = try #require(Sandbox.resultEvent(in: transcript)?["total_cost_usd"] as? Double,
                                     "no result event in the transcript:\n\(transcript)")
            #expect(abs(info.costUSD - total) < 1e-6, "cost \(info.costUSD), CLI reported \(total)")
            #expect(abs(total - 0.055515) < 1e-6, "the scenario costs 0.055515, CLI reported \(total)")
            let local = sandbox.read(sandbox.repo + "/.git/kanbots/runs/\(run.id)/transcript.ndjson") ?? ""
            #expect(transcript.split(separator: "\n").count == local.split(separator: "\n").count,
                    "stored \(transcript.split(separator: "\n").count) lines, the agent wrote \(local.split(separator: "\n").count)")
            // For the closing notes: what the supervisor of a real Claude run
            // cost (run with KANBOTS_BINARY set to a release build to measure it).
            let usage = sandbox.read(sandbox.repo + "/.git/kanbots/runs/\(run.id)/supervisor.log")?
                .split(separator: "\n").last { $0.hasPrefix("supervisor: done") }
            print("real Claude run, \(usage ?? "no supervisor usage line")")
            #expect(mock.requests().contains { ($0["cwd"] as? String) == run.worktree },
                    "the CLI did not run in the worktree: \(mock.requests().map { $0["cwd"] ?? "-" })")
        }
    }

    @Test func realClaudeRateLimitedRunRetriesAndCompletes() throws {
        try Sandbox.with(cards: ["Say hi"]) { sandbox in
            let (_, info, transcript, _) = try Self.realClaudeRun(sandbox, scenario: "scenario-rate-limited.json")
            #expect(info.state == "completed", "\(info.state) \(info.reason ?? ""); transcript:\n\(transcript)")
            let retries = transcript.split(separator: "\n").filter {
                $0.contains(#""type":"system""#) && $0.contains(#""subtype":"api_retry""#) && $0.contains(#""error_status":429"#)
            }
            #expect(retries.count >= 1, "no system/api_retry 429 event in:\n\(transcript)")
        }
    }
}
