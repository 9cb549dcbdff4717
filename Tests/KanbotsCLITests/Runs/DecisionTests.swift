import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Decisions: an agent asks through `git-kanbots mcp`, the run waits in
/// `awaiting_decision`, `decisions` lists it, `answer` lets the agent go on
/// (docs/decisions.md). Real processes, real repositories, real signals.
@Suite("decisions") struct DecisionTests {
    static let greeting = #"{"question":"Which greeting?","options":["Hello","Hi"],"default":"Hello","why":"the card is vague"}"#

    /// Installs the fake agent as `claude` and dispatches card 1 with it.
    static func dispatch(_ sandbox: Sandbox, _ agent: FakeDecisionAgent, _ extra: [String] = []) throws
        -> (run: DispatchedRun, argsLog: String) {
        let argsLog = sandbox.root + "/agent-args.jsonl"
        try sandbox.installFakeAgent("claude", script: agent.script(argsLog: argsLog))
        return (try sandbox.dispatch(1, ["--agent", "claude"] + extra), argsLog)
    }

    static func invocations(_ sandbox: Sandbox, _ argsLog: String) -> [[String]] {
        (sandbox.read(argsLog) ?? "").split(separator: "\n").compactMap {
            try? JSONDecoder().decode([String].self, from: Data($0.utf8))
        }
    }

    // MARK: The real Claude Code CLI against the mock API

    /// Dispatches the real CLI against the mock's `scenario`, returns once it asks.
    static func realClaudeQuestion(_ sandbox: Sandbox, scenario: String) throws -> (DispatchedRun, MockAnthropic) {
        let claude = try MockAnthropic.claudeBinary(sandbox)
        try sandbox.gitOK("config", "kanbots.agent.claude.path", claude)
        let mock = try MockAnthropic(scenario: scenario, in: sandbox)
        let claudeHome = sandbox.root + "/claude-home"
        try FileManager.default.createDirectory(atPath: claudeHome, withIntermediateDirectories: true)
        let run = try sandbox.dispatch(1, ["--agent", "claude", "--model", "claude-sonnet-4-5"], environment: [
            "ANTHROPIC_BASE_URL": mock.baseURL, "ANTHROPIC_API_KEY": "test",
            "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC": "1", "IS_SANDBOX": "1", "HOME": claudeHome,
        ])
        try sandbox.waitForQuestion(run.id, timeout: 60)
        return (run, mock)
    }

    @Test func realClaudeAsksWaitsAndContinuesWithTheAnswer() throws {
        try Sandbox.with(cards: ["Create hello.txt"]) { sandbox in
            let (run, mock) = try Self.realClaudeQuestion(sandbox, scenario: "scenario-ask.json")
            defer { mock.stop() }

            let onBoard = try sandbox.board().run(run.id)
            #expect(onBoard.state == "awaiting_decision" && onBoard.column == "in_progress", "\(onBoard)")
            let boardText = try sandbox.kanbots("board").stdout
            #expect(boardText.contains("Which greeting should hello.txt contain?") && boardText.contains("2) Hi there"),
                    "the board does not show the question:\n\(boardText)")
            let open = try sandbox.openDecisions()
            #expect(open.map(\.run) == [run.id])
            #expect(open.first?.question.options == ["Hello, world!", "Hi there"])
            #expect(open.first?.question.defaultAnswer == "Hello, world!")

            let answered = try sandbox.kanbots("answer", run.id, "2")
            expectSuccess(answered)
            let info = try sandbox.finishedRun(run.id, timeout: 90)
            #expect(info.state == "completed", "\(info.state) \(info.reason ?? "")")
            #expect(try sandbox.gitOK("show", "\(run.branch):hello.txt") == "Hi there")

            // The request after the ask carried the answer as the tool's result.
            let checks = mock.requests().compactMap { $0["expectation"] as? [String: Any] }
            #expect(checks.count == 1 && checks.first?["met"] as? Bool == true, "mock expectations: \(checks)")

            #expect(try sandbox.lifecycle(run.id) == ["queued", "running", "awaiting_decision", "running", "completed"])
            let history = try sandbox.history(run.id)
            #expect(history[2]["Question"] == "Which greeting should hello.txt contain?")
            #expect(history[3]["Answer"] == "Hi there" && history[3]["Answer-Source"] == "human", "\(history[3].fields)")
            #expect(try sandbox.openDecisions().isEmpty)
            let shown = try sandbox.kanbots("show", run.id).stdout
            #expect(shown.contains("asked: Which greeting should hello.txt contain?") && shown.contains("answer: Hi there (human)"),
                    "show does not tell the decision:\n\(shown)")
        }
    }

    @Test func realClaudePermissionPromptWaitsForTheHuman() throws {
        try Sandbox.with(cards: ["Write approved.txt"]) { sandbox in
            try sandbox.gitOK("config", "kanbots.agent.claude.permission-mode", "default")
            let (run, mock) = try Self.realClaudeQuestion(sandbox, scenario: "scenario-permission.json")
            defer { mock.stop() }
            let open = try #require(try sandbox.openDecisions().first)
            #expect(open.question.kind == "permission" && open.question.text == "Allow Bash?", "\(open.question)")
            #expect(open.question.why?.contains("approved.txt") == true)
            #expect(!sandbox.exists(run.worktree + "/approved.txt"), "the command ran before it was approved")
            expectSuccess(try sandbox.kanbots("answer", run.id, "1"))
            let info = try sandbox.finishedRun(run.id, timeout: 90)
            #expect(info.state == "completed", "\(info.state) \(info.reason ?? "")")
            #expect(try sandbox.gitOK("show", "\(run.branch):approved.txt") == "approved-by-human")
        }
    }

    // MARK: Scripted agents

    @Test func decideAfterTakesTheDefault() throws {
        try Sandbox.with(cards: ["Greet"]) { sandbox in
            let (run, argsLog) = try Self.dispatch(sandbox, FakeDecisionAgent(arguments: Self.greeting),
                                                   ["--decide-after", "1s"])
            let info = try sandbox.finishedRun(run.id)
            #expect(info.state == "completed", "\(info.state) \(info.reason ?? "")")
            #expect(try sandbox.gitOK("show", "\(run.branch):answer.txt") == "Nobody answered in time, so the default was taken: Hello")
            #expect(try sandbox.gitOK("show", "\(run.branch):tools.txt") == "ask approve")
            let answer = try #require(try sandbox.history(run.id).first { $0["Answer"] != nil })
            #expect(answer["Answer-Source"] == "timeout" && answer["Answer"] == "Hello")
            let args = Self.invocations(sandbox, argsLog).first ?? []
            #expect(args.contains("--mcp-config") && !args.contains("--permission-prompt-tool"), "\(args)")
        }
    }

    @Test func irreversibleQuestionIsNeverAnsweredByTheTimeout() throws {
        try Sandbox.with(cards: ["Drop the table"]) { sandbox in
            let question = #"{"question":"Drop the users table?","options":["drop","keep"],"default":"drop","irreversible":true}"#
            let (run, _) = try Self.dispatch(sandbox, FakeDecisionAgent(arguments: question), ["--decide-after", "1s"])
            try sandbox.waitForQuestion(run.id)
            // Three times the timeout, with the server polling at least once a second.
            let waited = try ProcessProbe.waitUntil(timeout: 30, interval: 0.2) {
                (try sandbox.openDecisions().first?.waitedSeconds ?? 0) > 3
            }
            let fields = try sandbox.record(run.id).fields
            #expect(waited, "the question disappeared: \(fields)")
            let open = try #require(try sandbox.openDecisions().first)
            #expect(open.question.irreversible && open.question.decidesAt == nil)
            #expect(try sandbox.record(run.id)["State"] == "awaiting_decision")

            try expectStateUnchanged(sandbox) {
                expectCleanError(try sandbox.kanbots("answer", run.id), mentioning: "irreversible")
                expectCleanError(try sandbox.kanbots("answer", run.id, "9"), mentioning: "no option 9")
            }
            expectSuccess(try sandbox.kanbots("answer", run.id, "2"))
            let info = try sandbox.finishedRun(run.id)
            #expect(info.state == "completed")
            #expect(try sandbox.gitOK("show", "\(run.branch):answer.txt") == "The human answered: keep")
        }
    }

    @Test func answerStillWorksAfterTheSupervisorIsKilled() throws {
        try Sandbox.with(cards: ["Greet"]) { sandbox in
            let (run, _) = try Self.dispatch(sandbox, FakeDecisionAgent(arguments: Self.greeting))
            try sandbox.waitForQuestion(run.id)
            try sandbox.killSupervisor(of: run.id, try sandbox.pids(run.id))

            _ = try sandbox.runs()  // status reconciles: the open question must survive it
            #expect(try sandbox.record(run.id)["State"] == "awaiting_decision")
            let onBoard = try sandbox.board().run(run.id)
            #expect(onBoard.state == "awaiting_decision" && onBoard.column == "in_progress", "\(onBoard)")
            #expect(try sandbox.openDecisions().map(\.run) == [run.id])

            let answered = try sandbox.kanbots("answer", run.id, "Hi")
            expectSuccess(answered)
            #expect(answered.stdout.contains("follows the agent"), "\(answered)")
            let info = try sandbox.finishedRun(run.id)
            #expect(info.state == "completed", "\(info.state) \(info.reason ?? "")")
            #expect(try sandbox.gitOK("show", "\(run.branch):answer.txt") == "The human answered: Hi")
        }
    }

    @Test func answerResumesTheSessionWhenTheAgentIsGoneToo() throws {
        try Sandbox.with(cards: ["Greet"]) { sandbox in
            let agent = FakeDecisionAgent(arguments: Self.greeting)
            let (run, argsLog) = try Self.dispatch(sandbox, agent)
            try sandbox.waitForQuestion(run.id)
            let pids = try sandbox.pids(run.id)
            try sandbox.killSupervisor(of: run.id, pids)
            try sandbox.killAgentGroup(of: run.id, pids)

            _ = try sandbox.runs()
            #expect(try sandbox.record(run.id)["State"] == "awaiting_decision")
            #expect(try sandbox.openDecisions().map(\.run) == [run.id])
            #expect(try sandbox.kanbots("board").stdout.contains("Which greeting?"))

            let answered = try sandbox.kanbots("answer", run.id, "2")
            expectSuccess(answered)
            #expect(answered.stdout.contains("resuming session \(agent.session)"), "\(answered)")
            let info = try sandbox.finishedRun(run.id)
            #expect(info.state == "completed", "\(info.state) \(info.reason ?? "")")
            let resumed = Self.invocations(sandbox, argsLog).last ?? []
            #expect(resumed.contains("--resume") && resumed.contains(agent.session), "\(resumed)")
            let prompt = try sandbox.gitOK("show", "\(run.branch):resumed.txt")
            #expect(prompt.contains("Which greeting?") && prompt.contains("answered: Hi"), "prompt: \(prompt)")
            #expect(try sandbox.lifecycle(run.id) == ["queued", "running", "awaiting_decision", "queued", "running", "completed"])
        }
    }

    @Test func permissionPromptsGoToTheHuman() throws {
        try Sandbox.with(cards: ["Clean up"]) { sandbox in
            try sandbox.gitOK("config", "kanbots.agent.claude.permission-mode", "default")
            let agent = FakeDecisionAgent(
                tool: "approve", arguments: #"{"tool_name":"Bash","input":{"command":"rm -rf build"},"tool_use_id":"t1"}"#)
            let (run, argsLog) = try Self.dispatch(sandbox, agent, ["--decide-after", "1h"])
            try sandbox.waitForQuestion(run.id)
            let args = Self.invocations(sandbox, argsLog).first ?? []
            let tool = args.firstIndex(of: "--permission-prompt-tool").map { args[$0 + 1] }
            #expect(tool == "mcp__kanbots__approve", "\(args)")
            let open = try #require(try sandbox.openDecisions().first)
            #expect(open.question.kind == "permission" && open.question.options == ["allow", "deny"])
            #expect(open.question.defaultAnswer == "deny" && open.question.text == "Allow Bash?")
            #expect(open.question.why?.contains("rm -rf build") == true)

            expectSuccess(try sandbox.kanbots("answer", run.id, "1"))
            _ = try sandbox.finishedRun(run.id)
            let reply = try sandbox.gitOK("show", "\(run.branch):answer.txt")
            let object = try #require(try JSONSerialization.jsonObject(with: Data(reply.utf8)) as? [String: Any])
            #expect(object["behavior"] as? String == "allow", "\(reply)")
            #expect((object["updatedInput"] as? [String: Any])?["command"] as? String == "rm -rf build", "\(reply)")
        }
    }

    @Test func parallelQuestionsAreAskedOneAtATime() throws {
        try Sandbox.with(cards: ["Greet twice"]) { sandbox in
            var agent = FakeDecisionAgent(arguments: Self.greeting)
            agent.parallelArguments = #"{"question":"Which punctuation?","options":["!","."]}"#
            let (run, _) = try Self.dispatch(sandbox, agent)
            try sandbox.waitForQuestion(run.id)
            let first = try #require(try sandbox.openDecisions().first)
            expectSuccess(try sandbox.kanbots("answer", run.id, "1"))
            // The other question comes up once the first is answered.
            let asked = try ProcessProbe.waitUntil(timeout: 30, interval: 0.05) {
                (try sandbox.openDecisions().first?.question.number ?? 0) == 2
            }
            let fields = try sandbox.record(run.id).fields
            #expect(asked, "no second question: \(fields)")
            let second = try #require(try sandbox.openDecisions().first)
            #expect(Set([first.question.text, second.question.text]) == ["Which greeting?", "Which punctuation?"])
            expectSuccess(try sandbox.kanbots("answer", run.id, "2"))
            let info = try sandbox.finishedRun(run.id)
            #expect(info.state == "completed", "\(info.state) \(info.reason ?? "")")
            let answers = try sandbox.gitOK("show", "\(run.branch):answer.txt").split(separator: "\n").map(String.init)
            #expect(answers.count == 2 && answers.allSatisfy { $0.hasPrefix("The human answered: ") }, "\(answers)")
        }
    }

    @Test func codexReachesTheServerThroughItsConfigOverrides() throws {
        try Sandbox.with(cards: ["Greet"]) { sandbox in
            let argsLog = sandbox.root + "/agent-args.jsonl"
            try sandbox.installFakeAgent("codex", script: FakeDecisionAgent(arguments: Self.greeting).script(argsLog: argsLog))
            let run = try sandbox.dispatch(1, ["--agent", "codex"])
            try sandbox.waitForQuestion(run.id)
            let args = Self.invocations(sandbox, argsLog).first ?? []
            #expect(args.contains("mcp_servers.kanbots.tool_timeout_sec=604800"), "\(args)")
            expectSuccess(try sandbox.kanbots("answer", run.id, "1"))
            let info = try sandbox.finishedRun(run.id)
            #expect(info.state == "completed", "\(info.state) \(info.reason ?? "")")
            #expect(try sandbox.gitOK("show", "\(run.branch):answer.txt") == "The human answered: Hello")
        }
    }

    @Test func stopEndsARunWaitingOnAQuestion() throws {
        try Sandbox.with(cards: ["Greet"]) { sandbox in
            let (run, _) = try Self.dispatch(sandbox, FakeDecisionAgent(arguments: Self.greeting))
            try sandbox.waitForQuestion(run.id)
            let pids = try sandbox.pids(run.id)
            expectSuccess(try sandbox.kanbots("stop", run.id))
            #expect(try sandbox.record(run.id)["State"] == "cancelled")
            #expect(try sandbox.openDecisions().isEmpty)
            #expect(ProcessProbe.waitUntil(timeout: 10) { !ProcessProbe.isGroupAlive(pids.agent) },
                    "the agent's group (and its decision server) outlived stop")
            expectCleanError(try sandbox.kanbots("answer", run.id, "1"), mentioning: "not waiting for a decision")
        }
    }

    @Test func answeringARunThatIsNotWaitingIsAnError() throws {
        try Sandbox.with(cards: ["Demo"]) { sandbox in
            let run = try sandbox.dispatch(1)
            _ = try sandbox.finishedRun(run.id)
            try expectStateUnchanged(sandbox) {
                expectCleanError(try sandbox.kanbots("answer", run.id, "1"), mentioning: "not waiting for a decision")
                expectCleanError(try sandbox.kanbots("answer", "99", "1"), mentioning: "unknown run")
                expectCleanError(try sandbox.kanbots("dispatch", "1", "--decide-after", "soon"), mentioning: "--decide-after")
            }
            #expect(try sandbox.kanbots("decisions").output == "No open decisions.")
        }
    }
}
