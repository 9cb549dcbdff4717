import Foundation
import Testing

/// A bare remote and several clones of one seeded repository, each set up
/// with `init` and one `sync` (which brings the cards filed before cloning).
struct SyncWorld {
    let sandbox: Sandbox
    let remote: String
    let clones: [String]

    init(_ sandbox: Sandbox, cards: [String], clones count: Int = 3) throws {
        self.sandbox = sandbox
        for title in cards { _ = try sandbox.newCard(title) }
        remote = try sandbox.addBareRemote()
        try sandbox.gitOK("push", "-q", "origin", "main")
        try sandbox.kanbotsOK("sync")
        var clones: [String] = []
        for index in 0..<count {
            let path = sandbox.root + "/clone\(index)"
            try sandbox.gitOK("clone", "-q", remote, path, in: sandbox.root)
            try sandbox.gitOK("config", "user.name", "Clone \(index)", in: path)
            try sandbox.gitOK("config", "user.email", "clone\(index)@kanbots.invalid", in: path)
            try sandbox.kanbotsOK("init", in: path)
            try sandbox.gitOK("config", "kanbots.agent", "demo", in: path)
            try sandbox.kanbotsOK("sync", in: path)
            clones.append(path)
        }
        self.clones = clones
    }

    func kanbots(_ arguments: [String], in clone: String) throws -> CommandResult {
        try sandbox.run(try KanbotsBinary.path(), arguments, in: clone)
    }

    @discardableResult
    func sync(_ clone: String) throws -> CommandResult {
        let result = try kanbots(["sync"], in: clone)
        guard result.succeeded else { throw TestFailure("sync failed: \(result)") }
        return result
    }

    /// Dispatches a card in a clone and waits until the run has finished.
    func dispatchAndFinish(_ card: Int, in clone: String) throws -> String {
        let result = try kanbots(["dispatch", String(card)], in: clone)
        guard result.succeeded else { throw TestFailure("dispatch failed: \(result)") }
        let run = try DispatchedRun(parsing: result)
        let deadline = Date().addingTimeInterval(60)
        while true {
            let record = try sandbox.gitOK("log", "-1", "--format=%B", "refs/kanbots/runs/\(run.id)", in: clone)
            if ["completed", "failed", "cancelled"].contains(where: { record.contains("State: \($0)") }) { break }
            if Date() > deadline { throw TestFailure("run \(run.id) in \(clone) did not finish") }
            Thread.sleep(forTimeInterval: 0.05)
        }
        return run.id
    }

    /// `<id> <ref>` of every shared ref: what must end identical everywhere.
    func sharedRefs(_ directory: String) throws -> String {
        try sandbox.gitOK("for-each-ref", "--format=%(objectname) %(refname)", "refs/kanbots/", "refs/notes/kanbots",
                          in: directory)
    }

    /// Every ref of a clone, remote-tracking ones included: a sync with
    /// nothing new must leave all of them alone.
    func allRefs(_ directory: String) throws -> String {
        try sandbox.gitOK("for-each-ref", "--format=%(objectname) %(refname)", in: directory)
    }

    /// `board --json`, reduced to what does not depend on where it is viewed
    /// (a branch and its worktree exist only in the clone that ran it).
    func portableBoard(_ clone: String) throws -> (runs: [String: String], cards: [String]) {
        let board = try JSON.object(from: try kanbots(["board", "--json"], in: clone)) as? [String: Any] ?? [:]
        var runs: [String: String] = [:]
        for run in board["runs"] as? [[String: Any]] ?? [] {
            let origin = run["origin"] as? [String: Any] ?? [:]
            let fields: [Any?] = [run["card"], run["state"], run["recorded_state"], run["reason"], run["column"],
                                  run["cost_usd"], run["created_at"], run["updated_at"], origin["clone"], origin["host"]]
            let id = run["id"] as? String ?? "?"
            #expect(runs[id] == nil, "run \(id) is on the board of \(clone) twice")
            runs[id] = fields.map { $0 == nil || $0 is NSNull ? "null" : "\($0!)" }.joined(separator: "|")
        }
        let cards = (board["cards"] as? [[String: Any]] ?? []).map { card in
            ["number", "title", "column", "latest_run", "runs", "cost_usd"].map { "\(card[$0] ?? "null")" }
                .joined(separator: "|")
        }
        #expect((board["unreadable"] as? [Any])?.isEmpty == true, "unreadable records in \(clone): \(board["unreadable"] ?? "")")
        return (runs, cards)
    }
}

extension HeavySuites {
    @Suite("sync through a remote") struct SyncTests {
        /// Three clones dispatch runs of the same two cards offline, then sync
        /// in the given order, twice round: every clone and the remote end
        /// with the same refs, every board shows each run exactly once with
        /// its origin, nothing a clone recorded is lost, and one more sync
        /// anywhere changes nothing.
        @Test(arguments: [[0, 1, 2], [0, 2, 1], [1, 0, 2], [1, 2, 0], [2, 0, 1], [2, 1, 0]])
        func threeClonesConvergeInEveryOrder(order: [Int]) throws {
            try Sandbox.with(initialize: true) { sandbox in
                let world = try SyncWorld(sandbox, cards: ["Add CSV export", "Fix the login page"])
                var own: [String: (clone: Int, tip: String)] = [:]
                var tags: [String] = []
                for (index, clone) in world.clones.enumerated() {
                    for card in [1, 2] {
                        let id = try world.dispatchAndFinish(card, in: clone)
                        own[id] = (index, try sandbox.gitOK("rev-parse", "refs/kanbots/runs/\(id)", in: clone))
                    }
                    tags.append(try sandbox.gitOK("config", "kanbots.clone", in: clone))
                }
                #expect(Set(tags).count == 3, "clone tags collide: \(tags)")
                #expect(own.count == 6, "run ids collide across clones: \(own.keys.sorted())")

                for _ in 0..<2 { for index in order { try world.sync(world.clones[index]) } }

                let remoteRefs = try world.sharedRefs(world.remote)
                for clone in world.clones {
                    #expect(try world.sharedRefs(clone) == remoteRefs, "\(clone) differs from the remote")
                }
                // Nothing lost: every run's own record is still the tip its clone wrote.
                for (id, origin) in own {
                    #expect(remoteRefs.contains("\(origin.tip) refs/kanbots/runs/\(id)"), "run \(id) lost its record")
                }
                let boards = try world.clones.map(world.portableBoard)
                #expect(boards[0].runs.count == 6, "runs on the board: \(boards[0].runs.keys.sorted())")
                for board in boards.dropFirst() {
                    #expect(board.runs == boards[0].runs)
                    #expect(board.cards == boards[0].cards)
                }
                for (id, origin) in own {
                    #expect(boards[0].runs[id]?.contains("|\(tags[origin.clone])|") == true, "origin of \(id): \(boards[0].runs[id] ?? "-")")
                    #expect(boards[0].runs[id]?.contains("|completed|completed|null|in_review|") == true, "\(boards[0].runs[id] ?? "-")")
                }
                // The notes of all three clones are merged, none dropped.
                // (`git notes list` prints `<note blob> <annotated commit>`; most
                // annotated commits are on branches of other clones, not here.)
                let blobs = try sandbox.gitOK("notes", "--ref=kanbots", "list", in: world.clones[0])
                    .split(separator: "\n").map { String($0.split(separator: " ")[0]) }
                let noted = try Set(blobs.map { try sandbox.gitOK("cat-file", "-p", $0, in: world.clones[0]) }
                    .flatMap { $0.split(separator: "\n") }.compactMap { $0.split(separator: " ").dropFirst().first.map(String.init) })
                #expect(noted == Set(own.keys), "notes name runs \(noted.sorted())")
                // Only our refs travelled: no run branch, nothing machine-local.
                let published = try sandbox.gitOK("for-each-ref", "--format=%(refname)", in: world.remote).split(separator: "\n")
                #expect(published.allSatisfy { $0 == "refs/heads/main" || $0.hasPrefix("refs/kanbots/") || $0 == "refs/notes/kanbots" },
                        "\(published)")

                for clone in world.clones {
                    let before = try world.allRefs(clone)
                    let again = try world.sync(clone)
                    #expect(again.stdout.contains("nothing new") && again.stdout.contains("nothing to push"), "\(again)")
                    #expect(try world.allRefs(clone) == before, "a sync with no new work changed refs in \(clone)")
                }
                #expect(try world.sharedRefs(world.remote) == remoteRefs)
            }
        }

        /// Two clones record different transitions of one run: both survive
        /// as parents of one merge commit, which both clones compute
        /// identically, so they converge.
        @Test func divergedRecordsOfOneRunAreMergedNotDropped() throws {
            try Sandbox.with { sandbox in
                let world = try SyncWorld(sandbox, cards: ["Add CSV export"], clones: 2)
                let (a, b) = (world.clones[0], world.clones[1])
                let id = try world.dispatchAndFinish(1, in: a)
                try world.sync(a)
                try world.sync(b)
                expectSuccess(try world.kanbots(["discard", id], in: b))
                expectSuccess(try world.kanbots(["discard", id], in: a))
                let tipA = try sandbox.gitOK("rev-parse", "refs/kanbots/runs/\(id)", in: a)
                let tipB = try sandbox.gitOK("rev-parse", "refs/kanbots/runs/\(id)", in: b)
                #expect(tipA != tipB)
                try world.sync(a)
                // Each clone merges the same two tips on its own: A straight from
                // B (as a second remote), B from origin. They write the same commit.
                try sandbox.gitOK("remote", "add", "peer", b, in: a)
                expectSuccess(try world.kanbots(["sync", "peer", "--no-push"], in: a))
                let merged = try world.kanbots(["sync", "--no-push"], in: b)
                #expect(merged.stdout.contains("1 merged"), "\(merged)")
                let mergeA = try sandbox.gitOK("rev-parse", "refs/kanbots/runs/\(id)", in: a)
                #expect(mergeA == (try sandbox.gitOK("rev-parse", "refs/kanbots/runs/\(id)", in: b)),
                        "two clones merged the same tips into different commits")
                try world.sync(b)
                let unchanged = try world.sync(a)
                #expect(unchanged.stdout.contains("nothing new") && unchanged.stdout.contains("nothing to push"), "\(unchanged)")
                #expect(try world.sharedRefs(a) == world.sharedRefs(b))
                let parents = try sandbox.gitOK("log", "-1", "--format=%P", "refs/kanbots/runs/\(id)", in: a)
                #expect(Set(parents.split(separator: " ").map(String.init)) == [tipA, tipB])
                let record = try sandbox.gitOK("log", "-1", "--format=%B", "refs/kanbots/runs/\(id)", in: a)
                #expect(record.contains("State: discarded"), "\(record)")
                // The record A wrote (with the branch tip it removed) is still in the history.
                let history = try sandbox.gitOK("log", "--format=%B", "refs/kanbots/runs/\(id)", in: b)
                #expect(history.contains("Reason: branch was at "), "\(history)")
                let again = try world.sync(b)
                #expect(again.stdout.contains("nothing new"), "\(again)")
            }
        }

        /// Two clones write notes on the same commit while apart: the merged
        /// note has both clones' lines, sorted and unique, everywhere.
        @Test func notesOnOneCommitFromTwoClonesAreUnited() throws {
            try Sandbox.with { sandbox in
                let world = try SyncWorld(sandbox, cards: ["Shared card"], clones: 2)
                let (a, b) = (world.clones[0], world.clones[1])
                try sandbox.gitOK("notes", "--ref=kanbots", "add", "-m", "kanbots-run: 9-zzzz card=1 agent=demo model=default", "main", in: a)
                try sandbox.gitOK("notes", "--ref=kanbots", "add", "-m", "kanbots-run: 1-aaaa card=1 agent=demo model=default", "main", in: b)
                try world.sync(a)
                let merged = try world.sync(b)
                #expect(merged.stdout.contains("notes: merged"), "\(merged)")
                try world.sync(a)
                let expected = "kanbots-run: 1-aaaa card=1 agent=demo model=default\nkanbots-run: 9-zzzz card=1 agent=demo model=default"
                for clone in [a, b] {
                    #expect(try sandbox.gitOK("notes", "--ref=kanbots", "show", "main", in: clone) == expected)
                }
                #expect(try world.sharedRefs(a) == world.sharedRefs(b))
            }
        }

        /// Two clones file different cards offline and both get number 2:
        /// the one the remote has first keeps it, the other moves to 3 with
        /// its runs, and both clones end with both cards.
        @Test func cardsFiledOfflineUnderOneNumberAreRenumbered() throws {
            try Sandbox.with { sandbox in
                let world = try SyncWorld(sandbox, cards: ["Shared card"], clones: 2)
                let (a, b) = (world.clones[0], world.clones[1])
                #expect(try world.kanbots(["card", "new", "Card from A"], in: a).output == "2")
                #expect(try world.kanbots(["card", "new", "Card from B"], in: b).output == "2")
                let run = try world.dispatchAndFinish(2, in: b)
                try world.sync(a)
                let result = try world.sync(b)
                #expect(result.stdout.contains("card 2 of this clone is now card 3"), "\(result)")
                try world.sync(a)
                #expect(try world.sharedRefs(a) == world.sharedRefs(b))
                let titles = try sandbox.gitOK("for-each-ref", "--format=%(contents:subject)", "refs/kanbots/cards/", in: a)
                #expect(titles == "card 1: Shared card\ncard 2: Card from A\ncard 3: Card from B", "\(titles)")
                let record = try sandbox.gitOK("log", "-1", "--format=%B", "refs/kanbots/runs/\(run)", in: a)
                #expect(record.contains("Card: 3") && record.contains("Card-Renumbered-From: 2"), "\(record)")
                let board = try world.portableBoard(a)
                #expect(board.runs[run]?.hasPrefix("3|") == true, "\(board.runs)")
            }
        }

        /// The refspecs docs/sharing.md shows work with plain git, and the
        /// pre-push hook lets them through while still refusing run branches.
        @Test func plainGitFetchAndPushWithTheDocumentedRefspecs() throws {
            try Sandbox.with { sandbox in
                let world = try SyncWorld(sandbox, cards: ["Add CSV export"], clones: 2)
                let (a, b) = (world.clones[0], world.clones[1])
                let id = try world.dispatchAndFinish(1, in: a)
                let push = try sandbox.git("push", "origin", "refs/kanbots/*:refs/kanbots/*", "refs/notes/kanbots", in: a)
                expectSuccess(push)
                let branch = try sandbox.gitOK("log", "-1", "--format=%B", "refs/kanbots/runs/\(id)", in: a)
                    .split(separator: "\n").first { $0.hasPrefix("Branch: ") }.map { String($0.dropFirst(8)) } ?? ""
                #expect(!(try sandbox.git("push", "origin", branch, in: a)).succeeded, "the hook let a run branch out")

                let fetch = try sandbox.git("fetch", "origin", "refs/kanbots/*:refs/kanbots/*",
                                            "refs/notes/kanbots:refs/notes/kanbots", in: b)
                expectSuccess(fetch)
                let board = try JSON.object(from: try world.kanbots(["board", "--json"], in: b)) as? [String: Any]
                let run = (board?["runs"] as? [[String: Any]])?.first { $0["id"] as? String == id }
                let origin = run?["origin"] as? [String: Any]
                #expect(origin?["clone"] as? String == (try sandbox.gitOK("config", "kanbots.clone", in: a)), "\(run ?? [:])")
                #expect(origin?["this_clone"] as? Bool == false)
                #expect(run?["column"] as? String == "in_review", "\(run ?? [:])")
                // And sync agrees there is nothing left to exchange but what plain git did not track.
                try world.sync(b)
                #expect(try world.sharedRefs(a) == world.sharedRefs(b))
            }
        }

        /// An agent that printed an API key: the transcript travels with
        /// the run's record, redacted, and no object on the remote holds the key.
        @Test func secretsNeverReachTheRemote() throws {
            try Sandbox.with(cards: ["Leak"]) { sandbox in
                let secret = "sk-ant-api03-" + String((0..<40).map { _ in Array("abcdefghijkmnopqrstuvwxyz0123456789").randomElement()! })
                let lines = [
                    #"{"type":"system","subtype":"init","session_id":"s-secret","model":"claude-sonnet-4-5","tools":[]}"#,
                    #"{"type":"assistant","message":{"id":"msg_s1","model":"claude-sonnet-4-5","content":[{"type":"text","text":"the key is \#(secret) ok"}],"usage":{"input_tokens":10,"output_tokens":1}}}"#,
                    #"{"type":"result","subtype":"success","is_error":false,"total_cost_usd":0.001,"result":"export ANTHROPIC_API_KEY=\#(secret)"}"#,
                ]
                let stream = sandbox.root + "/stream.ndjson"
                try sandbox.write(stream, lines.joined(separator: "\n") + "\n")
                try sandbox.installFakeAgent(
                    "claude", script: SupervisedAgentTests.fakeClaude(stream: stream, argsFile: sandbox.root + "/args.txt"))
                let remote = try sandbox.addBareRemote()
                try sandbox.gitOK("push", "-q", "origin", "main")
                let run = try sandbox.dispatch(1, ["--agent", "claude"])
                _ = try sandbox.finishedRun(run.id)
                expectSuccess(try sandbox.kanbots("sync"))
                let shared = try sandbox.gitOK("show", "refs/kanbots/runs/\(run.id):transcript.ndjson", in: remote)
                #expect(shared.contains("[REDACTED]"), "\(shared)")
                let everything = try sandbox.run("/usr/bin/env", ["git", "cat-file", "--batch-all-objects", "--batch"], in: remote)
                #expect(everything.succeeded && everything.stdout.contains(run.id))
                #expect(!everything.stdout.contains(String(secret.suffix(20))), "the secret reached the remote")
            }
        }

        /// Many runs at once (past `Synchronizer.packingThreshold`) arrive in
        /// `packed-refs`, with the tracking refs the fetch wrote: no loose ref
        /// file is left, git reads them all, and the boards agree. A few
        /// runs later still arrive loose, beside the packed ones.
        @Test func manyNewRunsArrivePacked() throws {
            try Sandbox.with { sandbox in
                let world = try SyncWorld(sandbox, cards: ["Add CSV export"], clones: 2)
                let (source, target) = (world.clones[0], world.clones[1])
                let original = try world.dispatchAndFinish(1, in: source)
                // 80 copies of that record under new ids of the same clone.
                let message = try sandbox.gitOK("log", "-1", "--format=%B", "refs/kanbots/runs/\(original)", in: source)
                let tree = try sandbox.gitOK("rev-parse", "refs/kanbots/runs/\(original)^{tree}", in: source)
                    .trimmingCharacters(in: .whitespacesAndNewlines)
                let tag = original.split(separator: "-").last.map(String.init) ?? ""
                var creations = ""
                for number in 1001...1080 {
                    let id = "\(number)-\(tag)"
                    let commit = try sandbox.gitOK("commit-tree", tree, "-m",
                                                   message.replacingOccurrences(of: original, with: id), in: source)
                    creations += "create refs/kanbots/runs/\(id) \(commit.trimmingCharacters(in: .whitespacesAndNewlines))\n"
                }
                try sandbox.write(sandbox.root + "/creations.txt", creations)
                expectSuccess(try sandbox.run("/bin/sh", ["-c", "git update-ref --stdin < ../creations.txt"], in: source))
                try world.sync(source)
                // What the push sent is remembered in packed tracking refs, too.
                let pushedLoose = (try? FileManager.default.subpathsOfDirectory(
                    atPath: source + "/.git/refs/kanbots-remotes/origin/kanbots/runs")) ?? []
                #expect(pushedLoose.isEmpty, "\(pushedLoose.prefix(3))")
                #expect(try sandbox.gitOK("for-each-ref", "refs/kanbots-remotes/origin/kanbots/runs/", in: source)
                    .split(separator: "\n").count == 81)

                let arrived = try world.sync(target)
                #expect(arrived.output.contains("81 new"), "\(arrived)")
                #expect(try sandbox.gitOK("for-each-ref", "refs/kanbots/runs/", in: target).split(separator: "\n").count == 81)
                let gitDir = target + "/.git"
                let looseRuns = (try? FileManager.default.subpathsOfDirectory(atPath: gitDir + "/refs/kanbots/runs")) ?? []
                let looseTracking = (try? FileManager.default.subpathsOfDirectory(atPath: gitDir + "/refs/kanbots-remotes/origin/kanbots/runs")) ?? []
                #expect(looseRuns.isEmpty && looseTracking.isEmpty, "loose: \(looseRuns.prefix(3)) \(looseTracking.prefix(3))")
                let packed = try String(contentsOfFile: gitDir + "/packed-refs", encoding: .utf8)
                #expect(packed.contains(" refs/kanbots/runs/1080-\(tag)\n") && packed.contains(" refs/kanbots-remotes/origin/kanbots/runs/1080-\(tag)\n"))
                expectSuccess(try sandbox.git("fsck", "--no-dangling", in: target))
                #expect(try world.sharedRefs(source) == world.sharedRefs(target))
                // Every run on both boards, none unreadable. (Their columns differ: the
                // copies have no branch, which means discarded only where they were made.)
                let (sourceRuns, targetRuns) = (try world.portableBoard(source).runs, try world.portableBoard(target).runs)
                #expect(targetRuns.count == 81 && Set(sourceRuns.keys) == Set(targetRuns.keys))
                let before = try world.allRefs(target)
                try world.sync(target)
                #expect(try world.allRefs(target) == before, "a sync with nothing new changed refs")

                // One more run: below the threshold, written loose as before.
                let later = try world.dispatchAndFinish(1, in: source)
                try world.sync(source)
                try world.sync(target)
                #expect(FileManager.default.fileExists(atPath: gitDir + "/refs/kanbots/runs/\(later)"))
                #expect(try world.portableBoard(target).runs[later] == world.portableBoard(source).runs[later])
            }
        }

        @Test func syncNamesAMissingRemoteInOneLine() throws {
            try Sandbox.with { sandbox in
                try expectStateUnchanged(sandbox) {
                    expectCleanError(try sandbox.kanbots("sync"), mentioning: "git remote add")
                }
                _ = try sandbox.addBareRemote()
                try expectStateUnchanged(sandbox) {
                    expectCleanError(try sandbox.kanbots("sync", "upstream"), mentioning: "unknown remote 'upstream'", "origin")
                }
            }
        }
    }
}
