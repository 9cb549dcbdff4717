import Foundation
import Testing

/// `review`, `diff`, `open` and the board's verdicts: real runs of a scripted
/// agent that edits chosen lines, predicted by in-memory merges.
@Suite("review") struct ReviewTests {
    @Test func sameLinesConflictOnBothRunsAndDistantRegionsOfOneFileDoNot() throws {
        try ReviewFixture.with(cards: 3) { fixture, sandbox in
            try fixture.edit(card: 1, line: 5, in: "app.txt", to: "card one")
            try fixture.edit(card: 2, line: 5, in: "app.txt", to: "card two")
            try fixture.edit(card: 3, line: 36, in: "app.txt", to: "card three")
            let runs = try fixture.dispatchAll()

            let queue = try fixture.review()
            let one = try #require(queue[runs[0]]), two = try #require(queue[runs[1]]), three = try #require(queue[runs[2]])
            #expect(one["verdict"] as? String == "conflicts")
            #expect(two["verdict"] as? String == "conflicts")
            #expect(ReviewFixture.conflicts(one) == ["#2 app.txt"], "\(one)")
            #expect(ReviewFixture.conflicts(two) == ["#1 app.txt"], "\(two)")
            // Card 3 edits the same file 30 lines away: git merges that, so no conflict.
            #expect(three["verdict"] as? String == "ready", "\(three)")
            #expect(ReviewFixture.conflicts(three).isEmpty)
            #expect(three["files_changed"] as? Int == 1 && three["lines_added"] as? Int == 1 && three["lines_removed"] as? Int == 1)
            #expect(three["merges_cleanly"] as? Bool == true && three["behind"] as? Int == 0)
            // No checks configured; the scripted agent ran no tests.
            #expect(three["checks"] is NSNull && three["agent_tested"] as? String == "no", "\(three)")

            // Ready first; the text queue names the conflict.
            let text = try sandbox.kanbotsOK("review").stdout
            let lines = text.split(separator: "\n")
            #expect(lines.first?.contains("run \(runs[2])") == true, "\(text)")
            #expect(text.contains("conflicts with #2 (app.txt)") && text.contains("conflicts with #1 (app.txt)"), "\(text)")
            // The board's In review column carries the verdict, and board/status --json too.
            let board = try sandbox.kanbotsOK("board").stdout
            #expect(board.contains("conflicts #2") && board.contains("conflicts #1") && board.contains("ready"), "\(board)")
            let boardRuns = try ReviewFixture.objects(try sandbox.kanbots("board", "--json"), key: "runs")
            #expect(boardRuns.first { $0["id"] as? String == runs[0] }.flatMap { ($0["readiness"] as? [String: Any])?["label"] as? String } == "conflicts #2")
            let status = try ReviewFixture.array(try sandbox.kanbots("status", "--json"))
            #expect(status.first { $0["id"] as? String == runs[2] }.flatMap { ($0["readiness"] as? [String: Any])?["verdict"] as? String } == "ready")

            // One run in full: reasons, diffstat, the agent's last words, what to type next.
            let full = try sandbox.kanbotsOK("review", runs[0]).stdout
            for fragment in ["verdict    conflicts", "conflicts with run \(runs[1]) (card #2) in app.txt", "modified",
                             "app.txt", "Done with card 1", "git kanbots land \(runs[0])", "git kanbots reply \(runs[0])"] {
                #expect(full.contains(fragment), "review RUN lacks '\(fragment)':\n\(full)")
            }

            // The cache is derived: deleted or damaged, the output is the same.
            let warm = try sandbox.kanbotsOK("review", "--json").stdout
            let cache = sandbox.repo + "/.git/kanbots/cache/review-v1"
            #expect(FileManager.default.fileExists(atPath: cache))
            try FileManager.default.removeItem(atPath: cache)
            #expect(try sandbox.kanbotsOK("review", "--json").stdout == warm)
            let saved = try String(contentsOfFile: cache, encoding: .utf8)
            try Data(saved.prefix(saved.count / 2).utf8).write(to: URL(fileURLWithPath: cache))
            #expect(try sandbox.kanbotsOK("review", "--json").stdout == warm)
            try Data(saved.replacingOccurrences(of: "\nF ", with: "\nF garbage ").utf8).write(to: URL(fileURLWithPath: cache))
            #expect(try sandbox.kanbotsOK("review", "--json").stdout == warm)
            // The conflicts of the whole set of runs are cached too: deleted or damaged, the same.
            let graph = sandbox.repo + "/.git/kanbots/cache/review-graph-v1"
            let kept = try String(contentsOfFile: graph, encoding: .utf8)
            #expect(kept.contains("\nG ") && kept.contains("\nS "), "\(kept)")
            try FileManager.default.removeItem(atPath: graph)
            #expect(try sandbox.kanbotsOK("review", "--json").stdout == warm)
            #expect(try String(contentsOfFile: graph, encoding: .utf8) == kept)
            try Data(kept.replacingOccurrences(of: "\nS ", with: "\nS 99 ").utf8).write(to: URL(fileURLWithPath: graph))
            #expect(try sandbox.kanbotsOK("review", "--json").stdout == warm)
            try Data(kept.replacingOccurrences(of: "\nG ", with: "\nG 7 ").utf8).write(to: URL(fileURLWithPath: graph))
            #expect(try sandbox.kanbotsOK("review", "--json").stdout == warm)
            // The pairs have a file of their own, read when the graph does not answer.
            let pairs = sandbox.repo + "/.git/kanbots/cache/review-pairs-v1"
            #expect(try String(contentsOfFile: pairs, encoding: .utf8).contains("\nP "))
            try FileManager.default.removeItem(atPath: graph)
            try Data("kanbots-review-cache v1\nP garbage\n".utf8).write(to: URL(fileURLWithPath: pairs))
            #expect(try sandbox.kanbotsOK("review", "--json").stdout == warm)
        }
    }

    @Test func conflictsInDifferentFilesPerPairSurviveTheGraphCache() throws {
        try ReviewFixture.with(cards: 3) { fixture, sandbox in
            try sandbox.write("b.txt", (1...40).map { "b line \($0)\n" }.joined())
            try sandbox.gitOK("add", "b.txt")
            try sandbox.gitOK("commit", "-q", "-m", "Add b.txt")
            // 1 and 2 collide in app.txt only, 1 and 3 in b.txt only, 2 and 3 in b.txt only:
            // one group for 1 and 2 (both conflict in both files), the pair 1-2 in app.txt alone.
            try fixture.edit(card: 1, line: 5, in: "app.txt", to: "one")
            try fixture.edit(card: 1, line: 30, in: "b.txt", to: "one")
            try fixture.edit(card: 2, line: 5, in: "app.txt", to: "two")
            try fixture.edit(card: 2, line: 5, in: "b.txt", to: "two")
            try fixture.edit(card: 3, line: 5, in: "b.txt", to: "three")
            try fixture.edit(card: 3, line: 30, in: "b.txt", to: "three")
            let runs = try fixture.dispatchAll()
            let cache = sandbox.repo + "/.git/kanbots/cache"
            try FileManager.default.removeItem(atPath: cache)
            let cold = try runs.map { run in
                try? FileManager.default.removeItem(atPath: cache)
                return try sandbox.kanbotsOK("review", run).stdout
            }
            try FileManager.default.removeItem(atPath: cache)
            let coldJSON = try sandbox.kanbotsOK("review", runs[0], "--json").stdout
            #expect(cold[0].contains("conflicts with run \(runs[1]) (card #2) in app.txt\n"), "\(cold[0])")
            #expect(cold[0].contains("conflicts with run \(runs[2]) (card #3) in b.txt\n"), "\(cold[0])")
            #expect(cold[1].contains("conflicts with run \(runs[2]) (card #3) in b.txt\n"), "\(cold[1])")
            // Warm: the graph cache answers, and says the same, pair by pair.
            #expect(FileManager.default.fileExists(atPath: cache + "/review-graph-v1"))
            #expect(try runs.map { try sandbox.kanbotsOK("review", $0).stdout } == cold)
            #expect(try sandbox.kanbotsOK("review", runs[0], "--json").stdout == coldJSON)
        }
    }

    @Test func aRunBehindItsBaseConflictsWithItOnlyWhereTheBaseChangedTheSameLines() throws {
        try ReviewFixture.with(cards: 2) { fixture, sandbox in
            try fixture.edit(card: 1, line: 5, in: "app.txt", to: "card one")
            try fixture.edit(card: 2, line: 36, in: "app.txt", to: "card two")
            let runs = try fixture.dispatchAll()
            // Meanwhile on main: line 5 changes, and another file.
            try sandbox.gitOK("checkout", "-q", "main")
            let text = try #require(sandbox.read("app.txt"))
            var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            lines[4] = "main's own line five"
            try sandbox.write("app.txt", lines.joined(separator: "\n"))
            try sandbox.write("NOTES.md", "notes\n")
            try sandbox.gitOK("add", "app.txt", "NOTES.md")
            try sandbox.gitOK("commit", "-q", "-m", "Meanwhile on main")

            let queue = try fixture.review()
            #expect(queue[runs[0]]?["verdict"] as? String == "conflicts-with-base", "\(queue)")
            #expect(queue[runs[0]]?["base_conflicts"] as? [String] == ["app.txt"])
            #expect(queue[runs[1]]?["verdict"] as? String == "behind", "\(queue)")
            #expect(queue[runs[1]]?["behind"] as? Int == 1)
            let board = try sandbox.kanbotsOK("board").stdout
            #expect(board.contains("behind 1") && board.contains("conflicts base"), "\(board)")
            // Nothing was touched to find that out.
            #expect(try sandbox.gitOK("status", "--porcelain", "--untracked-files=no").isEmpty)
        }
    }

    @Test func failedChecksAndOutOfScopeWritesComeFirstInTheVerdict() throws {
        try ReviewFixture.with(cards: 3) { fixture, sandbox in
            try sandbox.kanbotsOK("card", "edit", "1", "--scope", "docs/**")
            try sandbox.kanbotsOK("card", "edit", "2", "--check", "test ! -f app.txt || grep -q 'card one' app.txt")
            try fixture.edit(card: 1, line: 5, in: "app.txt", to: "card one")
            try fixture.edit(card: 2, line: 5, in: "app.txt", to: "card two")
            try fixture.create(card: 3, "docs/three.md", "three")
            let runs = try fixture.dispatchAll()
            let queue = try fixture.review()
            // Run 1 also conflicts with run 2, but leaving its scope is the first problem.
            #expect(queue[runs[0]]?["verdict"] as? String == "out-of-scope", "\(queue)")
            #expect(queue[runs[0]]?["out_of_scope"] as? [String] == ["app.txt"])
            #expect(queue[runs[1]]?["verdict"] as? String == "checks-failed", "\(queue)")
            #expect(queue[runs[1]]?["checks"] as? String == "failed")
            #expect(queue[runs[2]]?["verdict"] as? String == "ready")
            let board = try sandbox.kanbotsOK("board").stdout
            #expect(board.contains("checks ✗") && board.contains("out of scope"), "\(board)")
            let plan = try sandbox.kanbots("land", "--plan").stdout
            #expect(plan.contains("run \(runs[0]) (card #1): reply") && plan.contains("run \(runs[1]) (card #2): reply"), "\(plan)")
        }
    }

    @Test func diffGoesThroughGitAndOpenStartsTheEditorInTheWorktree() throws {
        try ReviewFixture.with(cards: 1) { fixture, sandbox in
            try fixture.edit(card: 1, line: 5, in: "app.txt", to: "card one here")
            let run = try #require(try fixture.dispatchAll().first)
            let env = ["GIT_PAGER": "cat", "PAGER": "cat"]
            let stat = try sandbox.kanbots("diff", run, "--", "--stat", environment: env)
            expectSuccess(stat)
            #expect(stat.stdout.contains("app.txt | 2 +-") && stat.stdout.contains("1 file changed"), "\(stat)")
            let words = try sandbox.kanbots("diff", run, "--", "--word-diff", environment: env)
            #expect(words.stdout.contains("[-line 5-]{+card one here+}"), "\(words)")
            let plain = try sandbox.kanbots("diff", run, environment: env)
            #expect(plain.stdout.contains("-line 5\n+card one here"), "\(plain)")

            // A fake editor that records what it was given.
            let record = sandbox.root + "/editor-arg"
            let editor = sandbox.root + "/fake-editor"
            try sandbox.write(editor, "#!/bin/sh\necho \"$@\" > \(shellQuoted(record))\npwd >> \(shellQuoted(record))\n",
                              executable: true)
            let worktree = try #require(try sandbox.runs().first { $0.id == run }).worktree
            expectSuccess(try sandbox.kanbots("open", run, "--editor", editor))
            #expect(sandbox.read(record)?.hasPrefix(sandbox.path(worktree) + "\n") == true, "\(sandbox.read(record) ?? "")")
            // From git config, and with $EDITOR; after gc-like removal the worktree comes back first.
            try sandbox.gitOK("config", "kanbots.editor", editor)
            try FileManager.default.removeItem(atPath: sandbox.path(worktree))
            try FileManager.default.removeItem(atPath: record)
            let reopened = try sandbox.kanbots("open", run)
            expectSuccess(reopened)
            #expect(reopened.stderr.contains("checked") && sandbox.exists(worktree + "/app.txt"), "\(reopened)")
            #expect(sandbox.read(worktree + "/app.txt")?.contains("card one here") == true)
            #expect(sandbox.read(record)?.hasPrefix(sandbox.path(worktree)) == true)
            try sandbox.gitOK("config", "--unset", "kanbots.editor")
            expectCleanError(try sandbox.kanbots("open", run, environment: ["EDITOR": "", "VISUAL": ""]), mentioning: "--editor")
            expectCleanError(try sandbox.kanbots("open", run, "--editor", "no-such-editor --wait"), mentioning: "not on PATH")
        }
    }

    @Test func badInputGetsOneLineAndChangesNothing() throws {
        try ReviewFixture.with(cards: 2) { fixture, sandbox in
            try fixture.edit(card: 1, line: 5, in: "app.txt", to: "card one")
            // Card 2's agent commits nothing.
            let runs = try fixture.dispatchAll()
            try expectStateUnchanged(sandbox) {
                expectCleanError(try sandbox.kanbots("review", "99"), mentioning: "99")
                expectCleanError(try sandbox.kanbots("diff", "99"), mentioning: "99")
                expectCleanError(try sandbox.kanbots("open", "99", "--shell"), mentioning: "99")
                expectCleanError(try sandbox.kanbots("land", "99"), mentioning: "99")
                expectCleanError(try sandbox.kanbots("review", runs[1]), mentioning: "no commits")
                expectCleanError(try sandbox.kanbots("land", runs[1]), mentioning: runs[1], "not In review")
            }
            // A removed worktree does not matter to review, diff or land: they read git.
            let worktree = try #require(try sandbox.runs().first { $0.id == runs[0] }).worktree
            try FileManager.default.removeItem(atPath: sandbox.path(worktree))
            #expect(try fixture.review()[runs[0]]?["verdict"] as? String == "ready")
            expectSuccess(try sandbox.kanbots("diff", runs[0], "--", "--stat", environment: ["GIT_PAGER": "cat"]))
            // A dirty main checkout is refused, and so is a base checked out in another worktree.
            try sandbox.write("README.md", "# Edited, not committed\n")
            try expectStateUnchanged(sandbox) {
                expectCleanError(try sandbox.kanbots("land", runs[0]), mentioning: "uncommitted changes")
            }
            try sandbox.gitOK("checkout", "-q", "README.md")
            try sandbox.gitOK("checkout", "-q", "-b", "elsewhere")
            try sandbox.gitOK("worktree", "add", "-q", sandbox.root + "/other", "main")
            try expectStateUnchanged(sandbox) {
                expectCleanError(try sandbox.kanbots("land", "--ready"), mentioning: "checked out in the worktree", "other")
            }
            #expect(try sandbox.record(runs[0])["State"] == "completed")
        }
    }
}

/// A repository with a 40-line `app.txt` on main, a scripted agent that
/// applies per-card edit scripts and commits, and helpers to read `review`.
struct ReviewFixture {
    let sandbox: Sandbox
    let cards: [Int]
    var edits: String { sandbox.root + "/edits" }

    static func with(cards count: Int, _ body: (ReviewFixture, Sandbox) throws -> Void) throws {
        try Sandbox.with { sandbox in
            try sandbox.write("app.txt", (1...40).map { "line \($0)\n" }.joined())
            try sandbox.gitOK("add", "app.txt")
            try sandbox.gitOK("commit", "-q", "-m", "Add app.txt")
            try FileManager.default.createDirectory(atPath: sandbox.root + "/edits", withIntermediateDirectories: true)
            try sandbox.installFakeAgent("claude", script: agentScript(edits: sandbox.root + "/edits"))
            try sandbox.gitOK("config", "kanbots.agent", "claude")
            let cards = try (1...count).map { try sandbox.newCard("Card \($0)") }
            try body(ReviewFixture(sandbox: sandbox, cards: cards), sandbox)
        }
    }

    /// Runs `card-N.sh` from the edits folder in the worktree, commits, and
    /// reports like Claude Code's stream.
    static func agentScript(edits: String) -> String {
        [
            "#!/bin/sh",
            #"echo '{"type":"system","subtype":"init","session_id":"s-'"$KANBOTS_RUN_ID"'","model":"claude-haiku-4-5","tools":[]}'"#,
            "script=\(shellQuoted(edits))/card-$KANBOTS_CARD.sh",
            #"[ -f "$script" ] && sh "$script""#,
            #"git add -A >/dev/null 2>&1 && git commit -qm "Work on card $KANBOTS_CARD" >/dev/null 2>&1"#,
            #"echo '{"type":"result","subtype":"success","is_error":false,"num_turns":1,"total_cost_usd":0.01,"result":"Done with card '"$KANBOTS_CARD"'","session_id":"s-'"$KANBOTS_RUN_ID"'"}'"#,
            "exit 0", "",
        ].joined(separator: "\n")
    }

    /// Card `card`'s agent replaces line `line` of `file`.
    func edit(card: Int, line: Int, in file: String, to text: String) throws {
        try append(card: card, "sed -i '\(line)s/.*/\(text)/' \(shellQuoted(file))")
    }

    /// Card `card`'s agent writes a new file.
    func create(card: Int, _ file: String, _ text: String) throws {
        try append(card: card, "mkdir -p \"$(dirname \(shellQuoted(file)))\" && printf '%s\\n' \(shellQuoted(text)) > \(shellQuoted(file))")
    }

    /// Adds a shell line to card `card`'s edit script (run in the worktree;
    /// `$KANBOTS_RUN_ID` tells attempts apart).
    func append(card: Int, _ line: String) throws {
        let path = edits + "/card-\(card).sh"
        let existing = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
        try Data((existing + line + "\n").utf8).write(to: URL(fileURLWithPath: path))
    }

    /// Dispatches every card in order and waits for all runs to end.
    func dispatchAll() throws -> [String] {
        let runs = try cards.map { try sandbox.dispatch($0).id }
        _ = try sandbox.waitUntilIdle()
        return runs
    }

    /// `review --json` by run id: each run's readiness, with its conflicts
    /// read from the document's conflict groups under `resolved_conflicts`.
    func review() throws -> [String: [String: Any]] {
        let document = try Self.object(try sandbox.kanbots("review", "--json"))
        let groups = Dictionary(((document["conflict_groups"] as? [[String: Any]]) ?? []).map { ($0["id"] as? String ?? "", $0) },
                                uniquingKeysWith: { first, _ in first })
        var result: [String: [String: Any]] = [:]
        for entry in (document["queue"] as? [[String: Any]]) ?? [] {
            guard let run = entry["run"] as? [String: Any], let id = run["id"] as? String else { continue }
            guard var readiness = entry["readiness"] as? [String: Any] else { continue }
            let group = (readiness["conflict_group"] as? String).flatMap { groups[$0] }
            let card = run["card"] as? Int
            let paths = ((group?["paths"] as? [String]) ?? []).joined(separator: ",")
            readiness["resolved_conflicts"] = ((group?["runs"] as? [[String: Any]]) ?? [])
                .filter { $0["card"] as? Int != card }
                .map { "#\($0["card"] as? Int ?? 0) \(paths)" }
            result[id] = readiness
        }
        return result
    }

    /// "#card paths" for each run it conflicts with, from `review()`.
    static func conflicts(_ readiness: [String: Any]) -> [String] {
        (readiness["resolved_conflicts"] as? [String]) ?? []
    }

    static func document(_ result: CommandResult) throws -> [String: Any] { try object(result) }

    static func object(_ result: CommandResult) throws -> [String: Any] {
        guard result.succeeded, let value = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any] else {
            throw TestFailure("expected a JSON object: \(result)")
        }
        return value
    }

    static func array(_ result: CommandResult) throws -> [[String: Any]] {
        guard result.succeeded, let value = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [[String: Any]] else {
            throw TestFailure("expected a JSON array: \(result)")
        }
        return value
    }

    static func objects(_ result: CommandResult, key: String) throws -> [[String: Any]] {
        guard result.succeeded, let value = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any],
              let list = value[key] as? [[String: Any]] else {
            throw TestFailure("expected a JSON object with \(key): \(result)")
        }
        return list
    }
}
