import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `git kanbots serve` over HTTP: the door (token, cookie, Origin), the
/// errors, every action against a real repository, and the event stream.
@Suite("web server") struct WebServerTests {
    @Test func servingOutsideARepositoryOrWithoutInitFailsLikeTheCLI() throws {
        try Sandbox.with(repository: false) { sandbox in
            let result = try sandbox.kanbots("serve", "--port", "0", timeout: 30)
            expectCleanError(result, mentioning: "not a git repository")
        }
        try Sandbox.with(initialize: false) { sandbox in
            let result = try sandbox.kanbots("serve", "--port", "0", timeout: 30)
            expectCleanError(result, mentioning: "git kanbots init")
        }
    }

    @Test func aTakenPortIsAClearErrorThatSuggestsAnother() throws {
        try Sandbox.with { sandbox in
            let first = try ServedBoard(sandbox)
            let second = try sandbox.kanbots("serve", "--port", String(first.port), timeout: 30)
            expectCleanError(second, mentioning: "port \(first.port)", "--port")
        }
    }

    @Test func everyRequestNeedsTheTokenAndThePageSwapsItForAStrictCookie() throws {
        try Sandbox.with { sandbox in
            let board = try ServedBoard(sandbox)
            let other = try ServedBoard(sandbox)
            #expect(board.token != other.token, "a fresh token at every start")
            #expect(board.token.count >= 32)

            #expect(try board.request("GET", "/api/board", auth: false).status == 401)
            #expect(try board.request("GET", "/", auth: false).status == 401)
            #expect(try board.request("GET", "/api/board", auth: false, headers: ["Authorization": "Bearer nope"]).status == 401)
            #expect(try board.request("GET", "/?token=wrong", auth: false).status == 401)
            #expect(try board.request("GET", "/api/board", auth: false, headers: ["Authorization": "Bearer \(other.token)"]).status == 401)

            let first = try board.request("GET", "/?token=\(board.token)", auth: false)
            #expect(first.status == 302)
            #expect(first.headers["location"] == "/")
            let cookie = try #require(first.headers["set-cookie"])
            for part in ["HttpOnly", "SameSite=Strict", "Path=/", "=\(board.token)"] {
                #expect(cookie.contains(part), "cookie lacks \(part): \(cookie)")
            }
            let pair = String(cookie.split(separator: ";")[0])
            let page = try board.request("GET", "/", auth: false, headers: ["Cookie": pair])
            #expect(page.status == 200)
            #expect(page.text.contains("<script src=\"/app.js\""))
            #expect(page.headers["content-security-policy"]?.contains("default-src 'self'") == true)
            #expect(try board.request("GET", "/app.js", auth: false, headers: ["Cookie": pair]).status == 200)
            let api = try board.request("GET", "/api/board", auth: false, headers: ["Cookie": pair])
            #expect(api.status == 200, "\(api)")
        }
    }

    @Test func aStateChangingRequestNeedsThisServersOriginAndChangesNothingOtherwise() throws {
        try Sandbox.with { sandbox in
            let board = try ServedBoard(sandbox)
            let before = try sandbox.stateFingerprint()
            let missing = try board.request("POST", "/api/cards", json: #"{"title": "Sneaky"}"#, origin: .some(nil))
            #expect(missing.status == 403, "\(missing)")
            let evil = try board.request("POST", "/api/cards", json: #"{"title": "Sneaky"}"#, origin: "http://evil.example")
            #expect(evil.status == 403, "\(evil)")
            let otherPort = try board.request("POST", "/api/cards", json: #"{"title": "Sneaky"}"#,
                                              origin: "http://127.0.0.1:\(board.port + 1)")
            #expect(otherPort.status == 403)
            #expect(try sandbox.stateFingerprint() == before, "a refused request changed the repository")

            let made = try board.request("POST", "/api/cards", json: #"{"title": "From the page"}"#,
                                         origin: "http://localhost:\(board.port)")
            #expect(made.status == 201, "\(made)")
            #expect(try sandbox.kanbots("card", "list").stdout.contains("From the page"))
        }
    }

    @Test func badRequestsGetTheirStatusAndAOneLineReason() throws {
        try Sandbox.with(cards: ["Only card"]) { sandbox in
            let board = try ServedBoard(sandbox)
            let malformed = try board.post("/api/cards", "{not json")
            #expect(malformed.status == 400)
            #expect(malformed.error?.contains("malformed JSON") == true, "\(malformed)")
            let missing = try board.post("/api/cards", #"{"body": "no title"}"#)
            #expect(missing.status == 400)
            #expect(missing.error?.contains("'title' is required") == true, "\(missing)")
            let wrongType = try board.post("/api/cards/1/dispatch", #"{"cap": "lots"}"#)
            #expect(wrongType.status == 400, "\(wrongType)")
            #expect(wrongType.error?.contains("'cap'") == true, "\(wrongType)")

            #expect(try board.get("/api/runs/99-zzzz").status == 404)
            #expect(try board.get("/api/cards/42").status == 404)
            let unknownCard = try board.post("/api/cards/42/dispatch", "{}")
            #expect(unknownCard.status == 404)
            #expect(unknownCard.error == "git-kanbots: unknown card 42; `git kanbots card list` shows the cards, `git kanbots card new TITLE` files one")
            #expect(try board.get("/api/nothing-here").status == 404)
            #expect(try sandbox.runRefs().isEmpty, "a refused request dispatched something")
        }
    }

    @Test func theBoardIsTheSameProjectionAsBoardJSON() throws {
        try Sandbox.with(cards: ["One", "Two", "Three"]) { sandbox in
            let run = try sandbox.dispatch(2)
            _ = try sandbox.finishedRun(run.id)
            try sandbox.kanbotsOK("card", "edit", "3", "--lane", "backlog")
            let board = try ServedBoard(sandbox)
            let served = try board.get("/api/board").json()
            let printed = try #require(try JSONSerialization.jsonObject(with: Data(try sandbox.kanbotsOK("board", "--json").stdout.utf8)) as? [String: Any])
            #expect(NSDictionary(dictionary: served["columns"] as? [String: Any] ?? [:])
                        .isEqual(to: printed["columns"] as? [String: Any] ?? [:]), "\(served["columns"] ?? "") vs \(printed["columns"] ?? "")")
            let servedRuns = (served["runs"] as? [[String: Any]])?.map { "\($0["id"]!) \($0["state"]!) \($0["column"]!)" }
            let printedRuns = (printed["runs"] as? [[String: Any]])?.map { "\($0["id"]!) \($0["state"]!) \($0["column"]!)" }
            #expect(servedRuns == printedRuns)
            #expect(Set((served["cards"] as? [[String: Any]] ?? []).first!.keys) == Set((printed["cards"] as? [[String: Any]] ?? []).first!.keys))
        }
    }

    @Test func actionsRunTheCLIsCodeAndATargetThatChangedGetsItsOneLineError() throws {
        try Sandbox.with(cards: ["Add a file"]) { sandbox in
            let board = try ServedBoard(sandbox)
            let dispatched = try board.post("/api/cards/1/dispatch", #"{"agent": "demo", "cap": 2}"#)
            #expect(dispatched.status == 201, "\(dispatched)")
            let id = try #require(try dispatched.json()["id"] as? String)
            let finished = try sandbox.finishedRun(id)
            #expect(finished.state == "completed")

            let detail = try board.get("/api/runs/\(id)").json()
            #expect((detail["transitions"] as? [[String: Any]])?.map { $0["state"] as? String } .contains("completed") == true)
            let thread = try board.get("/api/runs/\(id)/thread").json()
            #expect(((thread["lines"] as? [String]) ?? []).count > 2, "\(thread)")
            let changes = try board.get("/api/runs/\(id)/diff").json()
            #expect((changes["diff"] as? String)?.contains("diff --git") == true, "\(changes)")
            #expect(((changes["commits"] as? [Any]) ?? []).count >= 1)

            // Stopping a run that had ended changes nothing and answers the run, as `stop` does.
            let stopEnded = try board.post("/api/runs/\(id)/stop")
            #expect(stopEnded.status == 200, "\(stopEnded)")
            #expect(try stopEnded.json()["state"] as? String == "completed")

            let edited = try board.post("/api/cards/1", #"{"title": "Add a better file"}"#)
            #expect(edited.status == 200, "\(edited)")
            #expect(try sandbox.kanbots("card", "show", "1").stdout.contains("Add a better file"))

            let merged = try board.post("/api/runs/\(id)/promote", #"{"merge": true}"#)
            #expect(merged.status == 200, "\(merged)")
            #expect(try merged.json()["state"] as? String == "merged")
            // The run is merged now: discarding it is refused with the CLI's line, and nothing changes.
            let before = try sandbox.stateFingerprint()
            let again = try board.post("/api/runs/\(id)/promote", #"{"merge": true}"#)
            #expect(again.status == 409)
            #expect(again.error?.contains("was merged already") == true, "\(again)")
            #expect(try sandbox.stateFingerprint() == before)
        }
    }

    @Test func stopAndDiscardFromThePage() throws {
        try Sandbox.with(cards: ["Slow work"]) { sandbox in
            let board = try ServedBoard(sandbox)
            let run = try sandbox.dispatch(1, environment: ["KANBOTS_DEMO_STEP_SECONDS": "0.5", "KANBOTS_DEMO_TURNS": "60"])
            _ = try sandbox.waitUntilRunning(run.id)
            let early = try board.post("/api/runs/\(run.id)/discard")
            #expect(early.status == 409)
            #expect(early.error == "git-kanbots: run \(run.id) is still running; stop it first with `git kanbots stop \(run.id)`")
            let stopped = try board.post("/api/runs/\(run.id)/stop")
            #expect(stopped.status == 200, "\(stopped)")
            #expect(try stopped.json()["state"] as? String == "cancelled")
            let discarded = try board.post("/api/runs/\(run.id)/discard")
            #expect(discarded.status == 200, "\(discarded)")
            #expect(try discarded.json()["state"] as? String == "discarded")
            let again = try board.post("/api/runs/\(run.id)/discard")
            #expect(again.status == 200, "\(again)")
            #expect(try again.json()["state"] as? String == "discarded")
        }
    }

    @Test func theStreamDeliversAnEventSoonAfterADispatchFromTheCLI() throws {
        try Sandbox.with(cards: ["Watched"]) { sandbox in
            let board = try ServedBoard(sandbox)
            let events = try board.openEvents()
            let sent = Date()
            let run = try sandbox.dispatch(1)
            // Generous: the machine is shared. The latency is measured by scripts/bench-web.sh.
            try events.read(until: { $0.contains("event: board") }, timeout: 20)
            let seconds = Date().timeIntervalSince(sent)
            print("web: first board event \(String(format: "%.3f", seconds))s after dispatch began (includes the dispatch)")
            try events.read(until: { $0.contains("\"run\":\"\(run.id)\"") }, timeout: 30)  // its thread grows
            _ = try sandbox.finishedRun(run.id)
            #expect(try board.get("/api/board").status == 200, "the server carries on after CLI changes")
        }
    }

    @Test func killingTheServerLeavesRunningAgentsAlone() throws {
        try Sandbox.with(cards: ["Outlives the server"]) { sandbox in
            let board = try ServedBoard(sandbox, environment: ["KANBOTS_DEMO_STEP_SECONDS": "0.1", "KANBOTS_DEMO_TURNS": "15"])
            let response = try board.post("/api/cards/1/dispatch", #"{"agent": "demo"}"#)
            let id = try #require(try response.json()["id"] as? String)
            _ = try sandbox.waitUntilRunning(id)
            board.process.signal(SIGKILL)
            _ = try? board.process.wait(timeout: 10)
            let info = try sandbox.finishedRun(id, timeout: 120)
            #expect(info.state == "completed", "\(info.state) \(info.reason ?? "")")
        }
    }
}
