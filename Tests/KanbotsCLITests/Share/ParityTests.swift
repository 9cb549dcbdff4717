import Foundation
import Testing

/// Every action the page offers, done once with the CLI and once over HTTP,
/// each in its own sandbox prepared the same way: the repository must end in
/// the same state and a refusal must read the same. Both front ends call one
/// KanbotsApp function per action (issue 18); this is what keeps them honest.
@Suite("parity of the CLI and the web board") struct ParityTests {
    /// What an action starts from: nothing, a finished run, a running one,
    /// one waiting on a question, or a finished run already discarded.
    enum Start: Sendable { case cards, finishedRun, runningRun, waitingRun, discardedRun }

    struct Action: Sendable, CustomTestStringConvertible {
        var name: String
        var start: Start = .cards
        /// The command's arguments; RUN stands for the prepared run's id.
        var cli: [String]
        var method = "POST"
        /// The request's path and JSON body; RUN as above.
        var path: String
        var body = "{}"
        /// True for the failing case of an action: both must refuse, with the same words.
        var refused = false
        /// A line the board must then show, so that "the same" is not "the same nothing".
        var leaves: String?

        var testDescription: String { name + (refused ? ", refused" : "") + ": git kanbots " + cli.joined(separator: " ") }
    }

    static let actions: [Action] = [
        Action(name: "new card", cli: ["card", "new", "Second card"], path: "/api/cards", body: #"{"title": "Second card"}"#,
               leaves: "#2 Second card todo runs=0"),
        Action(name: "new card", cli: ["card", "new", ""], path: "/api/cards", body: #"{"title": ""}"#, refused: true),
        Action(name: "edit card", cli: ["card", "edit", "1", "--title", "Renamed"], path: "/api/cards/1",
               body: #"{"title": "Renamed"}"#, leaves: "#1 Renamed todo runs=0"),
        Action(name: "edit card", cli: ["card", "edit", "99", "--title", "Renamed"], path: "/api/cards/99",
               body: #"{"title": "Renamed"}"#, refused: true),
        Action(name: "close card", cli: ["card", "close", "1"], path: "/api/cards/1", body: #"{"close": true}"#,
               leaves: "#1 Write it done runs=0"),
        Action(name: "close card", cli: ["card", "close", "x"], path: "/api/cards/x", body: #"{"close": true}"#,
               refused: true),
        Action(name: "dispatch", cli: ["dispatch", "1", "--cap", "1.5"], path: "/api/cards/1/dispatch", body: #"{"cap": 1.5}"#,
               leaves: "id=1-CLONE card=1 state=completed"),
        Action(name: "dispatch", cli: ["dispatch", "99"], path: "/api/cards/99/dispatch", refused: true),
        Action(name: "dispatch", cli: ["dispatch", "1", "--cap", "0"], path: "/api/cards/1/dispatch", body: #"{"cap": 0}"#,
               refused: true),
        Action(name: "stop", start: .runningRun, cli: ["stop", "RUN"], path: "/api/runs/RUN/stop",
               leaves: "state=cancelled reason=stopped_by_user"),
        Action(name: "stop all", start: .runningRun, cli: ["stop", "--all"], path: "/api/stop-all",
               leaves: "state=cancelled reason=stopped_by_user"),
        Action(name: "stop", cli: ["stop", "99"], path: "/api/runs/99/stop", refused: true),
        // A run that had ended is left as it is, and that is no error (docs/json.md).
        Action(name: "stop an ended run", start: .finishedRun, cli: ["stop", "RUN"], path: "/api/runs/RUN/stop",
               leaves: "state=completed"),
        Action(name: "reply", start: .finishedRun, cli: ["reply", "RUN", "Also add a test."], path: "/api/runs/RUN/reply",
               body: #"{"message": "Also add a test."}"#, leaves: "id=2-CLONE card=1 state=completed"),
        Action(name: "reply", start: .runningRun, cli: ["reply", "RUN", "Also add a test."], path: "/api/runs/RUN/reply",
               body: #"{"message": "Also add a test."}"#, refused: true),
        Action(name: "reply", start: .finishedRun, cli: ["reply", "RUN", " "], path: "/api/runs/RUN/reply",
               body: #"{"message": " "}"#, refused: true),
        Action(name: "reply", start: .finishedRun, cli: ["reply", "RUN", "More.", "--cap=-1"], path: "/api/runs/RUN/reply",
               body: #"{"message": "More.", "cap": -1}"#, refused: true),
        Action(name: "answer", start: .waitingRun, cli: ["answer", "RUN", "2"], path: "/api/runs/RUN/answer",
               body: #"{"answer": "2"}"#, leaves: "id=1-CLONE card=1 state=completed"),
        Action(name: "answer", start: .finishedRun, cli: ["answer", "RUN", "1"], path: "/api/runs/RUN/answer",
               body: #"{"answer": "1"}"#, refused: true),
        Action(name: "discard", start: .finishedRun, cli: ["discard", "RUN"], path: "/api/runs/RUN/discard",
               leaves: "state=discarded"),
        Action(name: "discard", start: .runningRun, cli: ["discard", "RUN"], path: "/api/runs/RUN/discard", refused: true),
        Action(name: "discard again", start: .discardedRun, cli: ["discard", "RUN"], path: "/api/runs/RUN/discard",
               leaves: "state=discarded"),
        Action(name: "merge", start: .finishedRun, cli: ["promote", "RUN", "--merge"], path: "/api/runs/RUN/promote",
               body: #"{"merge": true}"#, leaves: "state=merged"),
        Action(name: "merge", start: .runningRun, cli: ["promote", "RUN", "--merge"], path: "/api/runs/RUN/promote",
               body: #"{"merge": true}"#, refused: true),
        Action(name: "merge", start: .finishedRun, cli: ["promote", "RUN", "--merge", "--into", "nosuch"],
               path: "/api/runs/RUN/promote", body: #"{"merge": true, "into": "nosuch"}"#, refused: true),
    ]

    @Test(arguments: actions) func bothFrontEndsLeaveTheSameStateAndSayTheSame(_ action: Action) throws {
        try Sandbox.with(cards: ["Write it"]) { byCLI in
            try Sandbox.with(cards: ["Write it"]) { byHTTP in
                let board = try ServedBoard(byHTTP)
                let cliRun = try Self.prepare(byCLI, action.start)
                let httpRun = try Self.prepare(byHTTP, action.start)
                let command = try byCLI.run(try KanbotsBinary.path(), action.cli.map { $0 == "RUN" ? cliRun ?? "" : $0 })
                let response = try board.request(action.method, action.path.replacingOccurrences(of: "RUN", with: httpRun ?? ""),
                                                 json: action.body)
                if action.refused {
                    #expect(!command.succeeded, "\(command)")
                    #expect(response.status >= 400, "\(response)")
                    let page = try Self.normalized(response.error ?? response.text, in: byHTTP)
                    let terminal = try Self.normalized(command.stderr.trimmingCharacters(in: .newlines), in: byCLI)
                    #expect(page == terminal)
                } else {
                    #expect(command.succeeded, "\(command)")
                    #expect((200..<300).contains(response.status), "\(response)")
                }
                // A slow run a refusal left running is stopped the same way in both.
                for (sandbox, run) in [(byCLI, cliRun), (byHTTP, httpRun)] where action.start == .runningRun && action.refused {
                    try sandbox.kanbotsOK("stop", run ?? "")
                }
                try byCLI.waitUntilIdle()
                try byHTTP.waitUntilIdle()
                let state = try Self.state(of: byCLI)
                #expect(try Self.state(of: byHTTP) == state)
                if let leaves = action.leaves { #expect(state.contains(leaves), "\(state)") }
            }
        }
    }

    /// The run view's diff is `git kanbots diff`'s: against the merge base
    /// with the base's tip, so what the branch took in from the base after it
    /// started (here by merging it) is not shown as the run's work.
    @Test func theRunViewShowsTheDiffTheCLIShows() throws {
        try Sandbox.with(cards: ["Write it"]) { sandbox in
            let board = try ServedBoard(sandbox)
            let run = try sandbox.dispatch(1)
            _ = try sandbox.finishedRun(run.id)
            try sandbox.write("LATER.md", "landed on main after the run started\n")
            try sandbox.gitOK("add", "LATER.md")
            try sandbox.gitOK("commit", "-q", "-m", "Later")
            try sandbox.gitOK("-C", run.worktree, "merge", "-q", "--no-edit", "main")
            let terminal = try sandbox.kanbotsOK("diff", run.id, environment: ["GIT_PAGER": "cat"]).stdout
            let page = try board.get("/api/runs/\(run.id)/diff").json()
            #expect(page["diff"] as? String == terminal)
            #expect(!terminal.isEmpty && !terminal.contains("LATER.md"), "\(terminal)")
        }
    }

    /// Brings a sandbox to where the action starts, with the CLI; returns the run acted on.
    static func prepare(_ sandbox: Sandbox, _ start: Start) throws -> String? {
        switch start {
        case .cards:
            return nil
        case .finishedRun, .discardedRun:
            let run = try sandbox.dispatch(1)
            _ = try sandbox.finishedRun(run.id)
            if start == .discardedRun { try sandbox.kanbotsOK("discard", run.id) }
            return run.id
        case .runningRun:
            let run = try sandbox.dispatch(1, environment: ["KANBOTS_DEMO_STEP_SECONDS": "0.5", "KANBOTS_DEMO_TURNS": "100"])
            _ = try sandbox.waitUntilRunning(run.id)
            return run.id
        case .waitingRun:
            let (run, _) = try DecisionTests.dispatch(sandbox, FakeDecisionAgent(arguments: DecisionTests.greeting))
            _ = try sandbox.waitForQuestion(run.id)
            return run.id
        }
    }

    /// The board as both front ends must leave it: cards, columns and each
    /// run's outcome, with what differs between two sandboxes by nature (the
    /// clone's tag in run ids, commit ids, times, folders) left out.
    static func state(of sandbox: Sandbox) throws -> String {
        let board = try JSON.object(from: try sandbox.kanbots("board", "--json")) as? [String: Any] ?? [:]
        let cards = (board["cards"] as? [[String: Any]] ?? []).map { card in
            "#\(card["number"] ?? "") \(card["title"] ?? "") \(card["column"] ?? "") runs=\(card["runs"] ?? "")"
        }
        let runs = (board["runs"] as? [[String: Any]] ?? []).map { run in
            ["id", "card", "state", "reason", "column", "branch_exists", "reply_to", "merged_into", "agent"]
                .map { "\($0)=\(run[$0].map { "\($0)" } ?? "nil")" }.joined(separator: " ")
        }.sorted()
        return try normalized((cards + runs).joined(separator: "\n"), in: sandbox)
    }

    static func normalized(_ text: String, in sandbox: Sandbox) throws -> String {
        let tag = try sandbox.cloneTag()
        return text.replacingOccurrences(of: tag, with: "CLONE")
            .replacingOccurrences(of: sandbox.root, with: "ROOT")
            .replacingOccurrences(of: #"\b[0-9a-f]{7,40}\b"#, with: "COMMIT", options: .regularExpression)
    }
}
