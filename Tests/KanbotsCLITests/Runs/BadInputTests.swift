import Foundation
import Testing

/// Each bad input gets one clear line on stderr, a non-zero exit, and leaves
/// refs, worktrees and `.kanbots/` exactly as they were.
@Suite("bad input") struct BadInputTests {
    @Test func notAGitRepository() throws {
        try Sandbox.with(repository: false) { sandbox in
            let empty = sandbox.root + "/empty"
            try FileManager.default.createDirectory(atPath: empty, withIntermediateDirectories: true)
            for arguments in [["init"], ["board"], ["status", "--json"], ["card", "new", "x"], ["dispatch", "1"], ["gc"]] {
                let result = try sandbox.run(try KanbotsBinary.path(), arguments, in: empty)
                expectCleanError(result, mentioning: "not a git repository")
            }
            #expect(sandbox.listing(empty).isEmpty, "files appeared: \(sandbox.listing(empty))")
        }
    }

    @Test func bareRepository() throws {
        try Sandbox.with(repository: false) { sandbox in
            let bare = sandbox.root + "/bare.git"
            try sandbox.gitOK("init", "-q", "--bare", bare)
            let before = sandbox.listing(bare)
            for arguments in [["init"], ["board"], ["card", "new", "x"], ["dispatch", "1"]] {
                let result = try sandbox.run(try KanbotsBinary.path(), arguments, in: bare)
                expectCleanError(result, mentioning: "bare repository")
            }
            #expect(sandbox.listing(bare) == before, "the bare repository was changed")
        }
    }

    @Test func badCardArguments() throws {
        try Sandbox.with(cards: ["Add CSV export"]) { sandbox in
            try expectStateUnchanged(sandbox) {
                expectCleanError(try sandbox.kanbots("dispatch", "7"), mentioning: "unknown card 7")
                expectCleanError(try sandbox.kanbots("dispatch", "abc"), mentioning: "'abc' is not a card number")
                expectCleanError(try sandbox.kanbots("dispatch", "0"), mentioning: "not a card number")
                expectCleanError(try sandbox.kanbots("dispatch", "1.5"), mentioning: "not a card number")
                expectCleanError(try sandbox.kanbots("card", "show", "abc"), mentioning: "not a card number")
                expectCleanError(try sandbox.kanbots("show", "99-zzzz"), mentioning: "unknown run")
                expectCleanError(try sandbox.kanbots("discard", "99"), mentioning: "unknown run")
                expectCleanError(try sandbox.kanbots("stop", "nope"), mentioning: "unknown run")
            }
        }
    }

    @Test func unknownBaseAndAgent() throws {
        try Sandbox.with(cards: ["Add CSV export"]) { sandbox in
            try expectStateUnchanged(sandbox) {
                expectCleanError(try sandbox.kanbots("dispatch", "1", "--base", "nope"), mentioning: "base 'nope'")
                expectCleanError(try sandbox.kanbots("dispatch", "1", "--agent", "nope"), mentioning: "unknown agent 'nope'")
                expectCleanError(try sandbox.kanbots("dispatch", "1", "--cap", "0"), mentioning: "--cap")
            }
        }
    }

    @Test func worktreeFolderAlreadyExists() throws {
        try Sandbox.with(cards: ["Add CSV export"]) { sandbox in
            let folder = ".kanbots/worktrees/issue-1-\(try sandbox.nextRunID())"
            try sandbox.write(folder + "/mine.txt", "hand-made\n")
            try expectStateUnchanged(sandbox) {
                expectCleanError(try sandbox.kanbots("dispatch", "1"), mentioning: folder, "already exists")
            }
            #expect(sandbox.read(folder + "/mine.txt") == "hand-made\n")
        }
    }

    @Test func branchAlreadyExists() throws {
        try Sandbox.with(cards: ["Add CSV export"]) { sandbox in
            let branch = "kanbots/issue-1-\(try sandbox.nextRunID())"
            try sandbox.gitOK("branch", branch)
            let tip = try sandbox.gitOK("rev-parse", branch)
            try expectStateUnchanged(sandbox) {
                expectCleanError(try sandbox.kanbots("dispatch", "1"), mentioning: branch, "already exists")
            }
            #expect(try sandbox.gitOK("rev-parse", branch) == tip)
        }
    }

    @Test func dispatchBeforeInit() throws {
        try Sandbox.with(initialize: false) { sandbox in
            _ = try sandbox.newCard("Add CSV export")
            try expectStateUnchanged(sandbox) {
                expectCleanError(try sandbox.kanbots("dispatch", "1"), mentioning: "git kanbots init")
            }
            #expect(!sandbox.exists(".git/hooks/pre-push"))
        }
    }

    @Test func dispatchFromInsideARunsWorktreeActsOnTheMainRepository() throws {
        try Sandbox.with(cards: ["Add CSV export"]) { sandbox in
            let first = try sandbox.dispatch(1)
            try sandbox.waitUntilIdle()
            let second = try sandbox.dispatch(1, in: first.worktree)
            #expect(second.id != first.id)
            #expect(second.worktree == sandbox.repo + "/.kanbots/worktrees/issue-1-\(second.id)")
            #expect(!FileManager.default.fileExists(atPath: first.worktree + "/.kanbots"), "state created inside the worktree")
            let runs = try sandbox.waitUntilIdle()
            #expect(runs.map(\.state) == ["completed", "completed"])
            #expect(try sandbox.worktrees().contains { $0.path == second.worktree })
            // Other commands work from there too.
            let board = try sandbox.kanbots("board", "--json", in: first.worktree)
            #expect(try JSON.decode(BoardInfo.self, from: board).runs.count == 2)
        }
    }

    @Test func corruptRunRecordIsReportedNeverRewritten() throws {
        try Sandbox.with(cards: ["Add CSV export"]) { sandbox in
            let good = try sandbox.dispatch(1)
            let victim = try sandbox.dispatch(1)
            try sandbox.waitUntilIdle()
            let ref = "refs/kanbots/runs/\(victim.id)"
            let tree = try sandbox.gitOK("hash-object", "-t", "tree", "-w", "/dev/null")
            let garbage = try sandbox.gitOK("commit-tree", tree, "-m", "garbage", "-m", "this is not a record\n{\"json\": true}")
            try sandbox.gitOK("update-ref", ref, garbage)

            expectSuccess(try sandbox.kanbots("reconcile"))
            for arguments in [["board"], ["board", "--json"], ["status"], ["status", "--json"]] {
                let result = try sandbox.run(try KanbotsBinary.path(), arguments)
                #expect(result.succeeded, "\(result)")
                #expect(result.stderr.contains("warning:") && result.stderr.contains(ref),
                        "`\(arguments.joined(separator: " "))` does not report the corrupt record on stderr: \(result)")
                #expect(result.stderrLines.count == 1, "\(result)")
            }
            let board = try sandbox.board()
            #expect(board.unreadable.contains { $0.contains(ref) }, "\(board.unreadable)")
            #expect(try board.run(good.id).state == "completed", "the readable run suffered")

            expectCleanError(try sandbox.kanbots("show", victim.id), mentioning: ref)
            expectCleanError(try sandbox.kanbots("discard", victim.id), mentioning: ref)
            expectSuccess(try sandbox.kanbots("stop", "--all"))
            expectSuccess(try sandbox.kanbots("gc"))
            #expect(try sandbox.gitOK("rev-parse", ref) == garbage, "the corrupt record was rewritten")
            // The run it belonged to might be alive: gc must not delete its worktree.
            #expect(FileManager.default.fileExists(atPath: victim.worktree),
                    "gc removed the worktree of a run whose record it could not read")
        }
    }

    @Test func corruptCardRecordIsReportedNeverRewritten() throws {
        try Sandbox.with(cards: ["Good card", "Victim card"]) { sandbox in
            let tree = try sandbox.gitOK("hash-object", "-t", "tree", "-w", "/dev/null")
            let garbage = try sandbox.gitOK("commit-tree", tree, "-m", "garbage", "-m", "no fields here")
            try sandbox.gitOK("update-ref", "refs/kanbots/cards/2", garbage)
            let list = try sandbox.kanbots("card", "list")
            #expect(list.succeeded && list.stdout.contains("Good card") && list.stderr.contains("refs/kanbots/cards/2"), "\(list)")
            expectSuccess(try sandbox.kanbots("board"))
            expectCleanError(try sandbox.kanbots("card", "show", "2"), mentioning: "refs/kanbots/cards/2")
            expectCleanError(try sandbox.kanbots("card", "edit", "2", "--title", "x"), mentioning: "refs/kanbots/cards/2")
            expectCleanError(try sandbox.kanbots("dispatch", "2"), mentioning: "refs/kanbots/cards/2")
            #expect(try sandbox.newCard("Third") == 3)
            #expect(try sandbox.gitOK("rev-parse", "refs/kanbots/cards/2") == garbage)
        }
    }
}
