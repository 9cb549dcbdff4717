import Foundation
import Testing

/// The rest of the page's actions over HTTP: answer, reply, stop all,
/// autopilot, and `--bind`'s warning. Each must do what its CLI command does.
@Suite("web actions") struct WebActionTests {
    @Test func answeringADecisionFromThePageLetsTheAgentContinue() throws {
        try Sandbox.with(cards: ["Greet"]) { sandbox in
            let board = try ServedBoard(sandbox)
            let (run, _) = try DecisionTests.dispatch(sandbox, FakeDecisionAgent(arguments: DecisionTests.greeting))
            try sandbox.waitForQuestion(run.id)
            let onBoard = try board.get("/api/board").json()
            let question = (onBoard["runs"] as? [[String: Any]])?.first?["question"] as? [String: Any]
            #expect(question?["options"] as? [String] == ["Hello", "Hi"], "\(onBoard)")

            let answered = try board.post("/api/runs/\(run.id)/answer", #"{"answer": "2"}"#)
            #expect(answered.status == 200, "\(answered)")
            #expect(try answered.json()["answer"] as? String == "Hi")
            let info = try sandbox.finishedRun(run.id)
            #expect(info.state == "completed", "\(info.state) \(info.reason ?? "")")
            #expect(try sandbox.gitOK("show", "\(run.branch):answer.txt") == "The human answered: Hi")

            let late = try board.post("/api/runs/\(run.id)/answer", #"{"answer": "1"}"#)
            #expect(late.status == 409, "\(late)")
            let cli = try sandbox.kanbots("answer", run.id, "1")
            #expect(late.error == cli.stderr.trimmingCharacters(in: .newlines), "the page's error is the CLI's")
        }
    }

    @Test func replyStartsAFollowUpRunOnTheSameBranch() throws {
        try Sandbox.with(cards: ["Write it"]) { sandbox in
            let board = try ServedBoard(sandbox)
            let first = try sandbox.dispatch(1)
            _ = try sandbox.finishedRun(first.id)
            #expect(try board.post("/api/runs/\(first.id)/reply", #"{"message": "   "}"#).status == 400)
            let reply = try board.post("/api/runs/\(first.id)/reply", #"{"message": "Also add a test."}"#)
            #expect(reply.status == 201, "\(reply)")
            let json = try reply.json()
            let id = try #require(json["id"] as? String)
            #expect(json["branch"] as? String == first.branch)
            #expect(json["reply_to"] as? String == first.id)
            #expect(try sandbox.finishedRun(id).state == "completed")
        }
    }

    @Test func stopAllEndsEveryActiveRun() throws {
        try Sandbox.with(cards: ["One", "Two"]) { sandbox in
            let board = try ServedBoard(sandbox)
            let slow = ["KANBOTS_DEMO_STEP_SECONDS": "0.5", "KANBOTS_DEMO_TURNS": "100"]
            let runs = try [1, 2].map { try sandbox.dispatch($0, environment: slow) }
            for run in runs { _ = try sandbox.waitUntilRunning(run.id) }
            let stopped = try board.post("/api/stop-all")
            #expect(stopped.status == 200, "\(stopped)")
            #expect(Set(try stopped.json()["stopped"] as? [String] ?? []) == Set(runs.map(\.id)))
            for run in runs { #expect(try sandbox.finishedRun(run.id).state == "cancelled") }
        }
    }

    @Test func autopilotStartsAndStopsFromThePageWithItsSpendOnTheBoard() throws {
        try Sandbox.with(cards: ["Auto"]) { sandbox in
            let board = try ServedBoard(sandbox)
            #expect(try board.post("/api/autopilot/start", #"{"budget": -1}"#).error
                    == "git-kanbots: --budget must be a positive amount of USD")
            let started = try board.post("/api/autopilot/start", #"{"budget": 1, "parallel": 1, "run_cap": 0.5}"#)
            #expect(started.status == 201, "\(started)")
            let id = try #require(try started.json()["id"] as? String)
            #expect(try started.json()["pid"] is Int, "\(started)")
            let sessions = try board.get("/api/board").json()["sessions"] as? [[String: Any]] ?? []
            let session = try #require(sessions.first { $0["id"] as? String == id })
            #expect(session["budget_usd"] as? Double == 1)
            #expect(session["spent_usd"] is Double)
            let stopped = try board.post("/api/autopilot/stop", #"{"kill": true}"#)
            #expect(stopped.status == 200, "\(stopped)")
            #expect(try stopped.json()["state"] as? String == "stopped")
            try sandbox.waitUntilIdle()
        }
    }

    @Test func bindingBeyondLoopbackWarns() throws {
        try Sandbox.with { sandbox in
            let board = try ServedBoard(sandbox, arguments: ["--bind", "0.0.0.0"])
            #expect(board.process.stderrSoFar.contains("warning: serving on 0.0.0.0"), "\(board.process.stderrSoFar)")
            #expect(try board.get("/api/board").status == 200)
            // Reached by another name, the page's own origin is that name.
            let made = try board.request("POST", "/api/cards", json: #"{"title": "Via the LAN"}"#,
                                         origin: "http://127.0.0.1:\(board.port)")
            #expect(made.status == 201, "\(made)")
            #expect(try board.request("POST", "/api/cards", json: #"{"title": "CSRF"}"#, origin: "http://evil.example").status == 403)
        }
    }
}
