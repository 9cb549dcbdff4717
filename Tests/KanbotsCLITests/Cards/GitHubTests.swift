import Foundation
import Testing

/// GitHub issues in, status labels out, auth and API errors, all against the
/// fake GitHub on 127.0.0.1.
@Suite("GitHub") struct GitHubTests {
    /// A sandbox wired to a fresh fake GitHub.
    private func withGitHub(maxPerPage: Int = 100, tokens: [String] = [FakeGitHub.token],
                            _ body: (Sandbox, FakeGitHub) throws -> Void) throws {
        try Sandbox.with { sandbox in
            let github = try FakeGitHub(in: sandbox, tokens: tokens, maxPerPage: maxPerPage)
            defer { github.stop() }
            try github.configure(sandbox)
            try body(sandbox, github)
        }
    }

    private func cards(_ sandbox: Sandbox) throws -> [[String: Any]] {
        try JSON.object(from: try sandbox.kanbots("card", "list", "--all", "--json")) as? [[String: Any]] ?? []
    }

    @Test func importKeepsTitleBodyLabelsAndNumberAndNeverDuplicates() throws {
        try withGitHub(maxPerPage: 1) { sandbox, github in
            let local = try sandbox.newCard("A local card")  // takes number 1
            try github.seed(issues: [
                ["number": 1, "title": "Issue one", "body": "First", "labels": ["bug"]],
                ["number": 7, "title": "Add CSV export", "body": "Export the table.\n\nAs CSV.", "labels": ["bug", "ui"]],
                ["number": 9, "title": "Closed one", "state": "closed"],
            ])
            let imported = try sandbox.kanbots("card", "import", "--github")
            expectSuccess(imported)
            #expect(imported.stdoutLines.count == 2, "\(imported)")  // open issues only, over 2 pages
            let byIssue = Dictionary(try cards(sandbox).compactMap { card in
                (card["issue"] as? Int).map { ($0, card) }
            }, uniquingKeysWith: { first, _ in first })
            let csv = try #require(byIssue[7])
            #expect(csv["number"] as? Int == 7, "a free number is the issue's own")
            #expect(csv["title"] as? String == "Add CSV export")
            #expect(csv["body"] as? String == "Export the table.\n\nAs CSV.")
            #expect(csv["labels"] as? [String] == ["bug", "ui"])
            #expect(csv["source"] as? String == "github")
            #expect((csv["url"] as? String)?.hasSuffix("/acme/tool/issues/7") == true)
            let one = try #require(byIssue[1])
            #expect(one["number"] as? Int != local, "issue #1 must not overwrite local card \(local)")
            #expect(try sandbox.kanbots("card", "show", String(local), "--json").stdout.contains("A local card"))
            #expect(byIssue[9] == nil)

            // Importing again refreshes, never duplicates; --label and --state filter.
            try github.seed(issues: [["number": 7, "title": "Add CSV export (v2)", "labels": ["bug"]]])
            let again = try sandbox.kanbots("card", "import", "--github", "--label", "bug", "--state", "all")
            expectSuccess(again)
            #expect(again.stdout.contains("updated\t#7\tAdd CSV export (v2)"), "\(again)")
            #expect(again.stdout.contains("unchanged\t#\(one["number"] as? Int ?? 0)"), "\(again)")
            #expect(!again.stdout.contains("Closed one"), "--label bug let an unlabelled issue in: \(again)")
            #expect(try sandbox.gitOK("for-each-ref", "refs/kanbots/cards/").split(separator: "\n").count == 3)
            let closed = try sandbox.kanbots("card", "import", "--github", "--state", "closed")
            #expect(closed.stdout.contains("imported\t#9\tClosed one"), "\(closed)")

            // Offline afterwards: the board and the card need no GitHub.
            github.stop()
            let shown = try sandbox.kanbots("card", "show", "7")
            expectSuccess(shown)
            #expect(shown.stdout.contains("Add CSV export (v2)") && shown.stdout.contains("labels: bug"), "\(shown)")
            let board = try sandbox.board()
            #expect(board.columns["todo"]?.contains(7) == true)
            #expect(board.columns["done"]?.contains(9) == true, "a closed issue is Done")
        }
    }

    @Test func dispatchOfAnIssueNumberImportsItAndMirrorsOneStatusLabel() throws {
        try withGitHub { sandbox, github in
            try sandbox.gitOK("config", "kanbots.source", "github")
            try github.seed(issues: [["number": 12, "title": "Fix the parser", "body": "It breaks on tabs.", "labels": ["bug"]]])
            #expect(try github.labels() == ["bug"])
            let run = try sandbox.dispatch(12)
            #expect(run.branch.hasPrefix("kanbots/issue-12-"), "\(run.branch)")
            let card = try JSON.decode(CardInfo.self, from: try sandbox.kanbots("card", "show", "12", "--json"))
            #expect(card.title == "Fix the parser" && card.body == "It breaks on tabs.")
            // Right after dispatch the issue carries the label of the column it was in then.
            let labelsAfterDispatch = try github.labels(ofIssue: 12)
            #expect(labelsAfterDispatch.filter { $0.hasPrefix("status:") }.count == 1, "\(labelsAfterDispatch)")

            try sandbox.waitUntilIdle()
            expectSuccess(try sandbox.kanbots("board", "--refresh"))
            #expect(try github.labels(ofIssue: 12) == ["bug", "status:in-review"])
            #expect(try github.labels().contains("status:in-review"), "the label was not created in the repository")
            #expect(try sandbox.gitOK("log", "-1", "--format=%B", "refs/kanbots/cards/12").contains("Status-Label: status:in-review"))

            // Nothing changed: a second refresh asks GitHub nothing.
            let before = try github.requests().count
            expectSuccess(try sandbox.kanbots("board", "--refresh"))
            #expect(try github.requests().count == before)
            // Dispatching a number that is no issue: one line, nothing created.
            try expectStateUnchanged(sandbox) {
                expectCleanError(try sandbox.kanbots("dispatch", "404"), mentioning: "issue #404", "404")
            }
        }
    }

    @Test func statusLabelsAreReplacedNeverPiledUp() throws {
        try withGitHub { sandbox, github in
            try github.seed(issues: [["number": 3, "title": "Slow work",
                                      "labels": ["bug", "status:done", "status:in-review"]]])
            expectSuccess(try sandbox.kanbots("card", "import", "--github"))
            let run = try sandbox.dispatch(3, environment: ["KANBOTS_DEMO_STEP_SECONDS": "5"])
            #expect(try github.labels(ofIssue: 3) == ["bug", "status:in-progress"])
            #expect(try github.labels().contains("status:in-progress"))
            let stopped = try sandbox.kanbots("stop", run.id)
            expectSuccess(stopped)
            #expect(try github.labels(ofIssue: 3) == ["bug"], "a cancelled run's card is Todo: no status label")
            #expect(try sandbox.gitOK("log", "-1", "--format=%B", "refs/kanbots/cards/3").contains("Status-Label: none"))
        }
    }

    @Test func apiErrorsAreOneLineWithNonZeroExitAndStateIntact() throws {
        try withGitHub { sandbox, github in
            try github.seed(issues: [["number": 5, "title": "Five"]])
            try expectStateUnchanged(sandbox) {
                try sandbox.gitOK("config", "kanbots.github.repo", "acme/missing")
                expectCleanError(try sandbox.kanbots("card", "import", "--github"), mentioning: "404", "acme/missing")
                try sandbox.gitOK("config", "kanbots.github.repo", FakeGitHub.repository)

                expectCleanError(try sandbox.kanbots("card", "import", "--github", environment: ["GH_TOKEN": "wrong"]),
                                 mentioning: "401", "Bad credentials", "GH_TOKEN")
                try github.fail(403, method: "GET", path: "/repos/acme/tool/issues", extra: ["rate_limit_reset": 1_795_000_000])
                expectCleanError(try sandbox.kanbots("card", "import", "--github"),
                                 mentioning: "rate limit", "resets at 2026-11-18T")
                try github.fail(403, method: "GET", path: "/repos/acme/tool/issues")
                expectCleanError(try sandbox.kanbots("card", "import", "--github"), mentioning: "403", "scope")
            }
            // 422 while mirroring labels: the card's mirror record is not advanced, so a retry redoes it.
            try github.seed(issues: [["number": 6, "title": "Stale label", "labels": ["status:in-progress"]]])
            expectSuccess(try sandbox.kanbots("card", "import", "--github"))
            try github.fail(422, method: "DELETE", path: "/repos/acme/tool/issues/6/labels/")
            try expectStateUnchanged(sandbox) {
                expectCleanError(try sandbox.kanbots("board", "--refresh"), mentioning: "422", "Validation Failed")
            }
            #expect(try github.labels(ofIssue: 6) == ["status:in-progress"])
            expectSuccess(try sandbox.kanbots("board", "--refresh"))
            #expect(try github.labels(ofIssue: 6) == [], "a Todo card's issue keeps no status label")

            // No token anywhere (and a `gh` that is not logged in): one line that says how to get one.
            let bin = sandbox.root + "/no-gh-bin"
            try sandbox.write(bin + "/gh", "#!/bin/sh\necho 'not logged in' >&2\nexit 1\n", executable: true)
            let noToken = try sandbox.kanbots("card", "import", "--github", environment: [
                "GH_TOKEN": "", "PATH": bin + ":" + (sandbox.environment["PATH"] ?? ""),
            ])
            expectCleanError(noToken, mentioning: "GH_TOKEN", "gh auth login")
        }
    }

    @Test func tokenComesFromGHTokenThenGitHubTokenThenTheGhCLI() throws {
        try withGitHub(tokens: ["from-gh-token", "from-github-token", "from-gh-cli"]) { sandbox, github in
            try github.seed(issues: [["number": 1, "title": "One"]])
            let bin = sandbox.root + "/gh-bin"
            let argsLog = sandbox.root + "/gh-args"
            try sandbox.write(bin + "/gh", "#!/bin/sh\necho \"$@\" > \(shellQuoted(argsLog))\necho from-gh-cli\n",
                              executable: true)
            let path = bin + ":" + (sandbox.environment["PATH"] ?? "")
            func lastAuth(_ environment: [String: String]) throws -> String? {
                expectSuccess(try sandbox.kanbots("card", "import", "--github", environment: environment))
                return try github.requests().last?["auth"] as? String
            }
            #expect(try lastAuth(["GH_TOKEN": "from-gh-token", "GITHUB_TOKEN": "from-github-token", "PATH": path])
                == "Bearer from-gh-token")
            #expect(try lastAuth(["GH_TOKEN": "", "GITHUB_TOKEN": "from-github-token", "PATH": path])
                == "Bearer from-github-token")
            #expect(!FileManager.default.fileExists(atPath: argsLog), "gh was asked although a variable had a token")
            #expect(try lastAuth(["GH_TOKEN": "", "GITHUB_TOKEN": "", "PATH": path]) == "Bearer from-gh-cli")
            #expect(sandbox.read(argsLog)?.hasPrefix("auth token --hostname 127.0.0.1") == true, "\(sandbox.read(argsLog) ?? "")")
        }
    }
}
