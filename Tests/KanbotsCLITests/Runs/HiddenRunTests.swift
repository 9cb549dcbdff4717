import Foundation
import Testing

/// No run is ever hidden: every run ref git cannot read is named, a run
/// branch whose record is lost still shows (orphaned, In review), and
/// `fsck --repair` gives such runs a readable record again without deleting
/// anything. Each case damages a real repository the way a user or a crash would.
@Suite("no run hidden") struct HiddenRunTests {
    struct FsckInfo: Decodable {
        struct Finding: Decodable { var kind: String, subject: String, run: String?, detail: String, fix: String }
        struct Repair: Decodable { var subject: String, run: String?, repaired: Bool, description: String }
        var ok: Bool
        var findings: [Finding]
        var repairs: [Repair]
        var remaining: [Finding]
    }

    func fsck(_ sandbox: Sandbox, repair: Bool = false) throws -> (info: FsckInfo, status: Int32) {
        let result = try sandbox.run(try KanbotsBinary.path(), repair ? ["fsck", "--json", "--repair"] : ["fsck", "--json"])
        // fsck exits 1 when it finds problems, and still prints its JSON.
        guard let info = try? JSONDecoder().decode(FsckInfo.self, from: Data(result.stdout.utf8)) else {
            throw TestFailure("fsck printed no JSON: \(result)")
        }
        return (info, result.status)
    }

    /// A finished demo run with work on its branch.
    func finishedRun(_ sandbox: Sandbox, card: Int = 1) throws -> String {
        let run = try sandbox.dispatch(card)
        #expect(try sandbox.finishedRun(run.id).recordedState == "completed")
        return run.id
    }

    @Test func garbageInALooseRunRefIsNamedAndTheBranchStaysOnItsCard() throws {
        try Sandbox.with(cards: ["Add CSV export"]) { sandbox in
            let id = try finishedRun(sandbox)
            let before = try sandbox.record(id)
            try sandbox.write(".git/refs/kanbots/runs/\(id)", "garbage\n")

            let board = try sandbox.board()
            #expect(board.unreadable.contains { $0.contains("refs/kanbots/runs/\(id)") && $0.contains("fsck --repair") },
                    "unreadable: \(board.unreadable)")
            let orphan = try board.run(id)
            #expect(orphan.state == "orphaned" && orphan.recordedState == nil && orphan.column == "in_review")
            #expect(board.columns["in_review"] == [1], "the card went back to Todo: \(board.columns)")
            let status = try sandbox.kanbots("status")
            #expect(status.stderr.contains("refs/kanbots/runs/\(id)") && status.stdout.contains("orphaned"), "\(status)")

            // Its record is rebuilt for display only: nothing acts on it before a repair.
            let branch = try sandbox.gitOK("rev-parse", "refs/heads/" + before["Branch"]!)
            expectCleanError(try sandbox.kanbots("discard", id), mentioning: "fsck --repair")
            #expect(try sandbox.gitOK("rev-parse", "refs/heads/" + before["Branch"]!) == branch)
            #expect(sandbox.exists(before["Worktree"]!))

            let (found, failing) = try fsck(sandbox)
            #expect(failing != 0 && !found.ok)
            #expect(Set(found.findings.map(\.kind)) == ["unreadable_ref", "orphaned_branch"], "\(found.findings)")
            #expect(found.findings.allSatisfy { !$0.fix.isEmpty })

            let (repaired, status0) = try fsck(sandbox, repair: true)
            #expect(status0 == 0 && repaired.ok && repaired.repairs.contains { $0.repaired && $0.run == id }, "\(repaired)")
            #expect(try sandbox.record(id)["State"] == before["State"])
            #expect(try sandbox.board().run(id).state == "completed")
            // Nothing deleted: the garbage is kept under .git/kanbots/fsck/.
            let kept = sandbox.listing(sandbox.repo + "/.git/kanbots/fsck")
            #expect(kept.count == 1 && sandbox.read(".git/kanbots/fsck/" + kept[0]) == "garbage\n", "\(kept)")
            #expect(try fsck(sandbox).status == 0)
        }
    }

    @Test func refsToMissingObjectsNonCommitsAndUnparseableRecordsAreNamedAndRestoredFromTheReflog() throws {
        try Sandbox.with(cards: ["One", "Two", "Three"]) { sandbox in
            let ids = try (1...3).map { try finishedRun(sandbox, card: $0) }
            let states = try ids.map { try sandbox.record($0)["State"] }
            // A blob, through git (logged in the reflog); a commit id that
            // does not exist, written into the file; a record that does not parse.
            let blob = try sandbox.gitOK("hash-object", "-w", "README.md")
            try sandbox.gitOK("update-ref", "refs/kanbots/runs/\(ids[0])", blob)
            try sandbox.write(".git/refs/kanbots/runs/\(ids[1])", String(repeating: "ab", count: 20) + "\n")
            let bad = try sandbox.gitOK("commit-tree", "-p", "refs/kanbots/runs/\(ids[2])",
                                        "-m", "not a record", "refs/kanbots/runs/\(ids[2])^{tree}")
            try sandbox.gitOK("update-ref", "refs/kanbots/runs/\(ids[2])", bad)

            let board = try sandbox.board()
            for id in ids {
                #expect(board.unreadable.contains { $0.contains("refs/kanbots/runs/\(id)") }, "\(id): \(board.unreadable)")
                #expect(try board.run(id).state == "orphaned")
            }
            let (found, _) = try fsck(sandbox)
            #expect(Set(found.findings.filter { $0.kind == "unreadable_ref" }.compactMap(\.run)) == Set(ids))
            #expect(found.findings.first { $0.run == ids[1] && $0.kind == "unreadable_ref" }?.detail
                .contains("not in the object database") == true)

            let (repaired, status) = try fsck(sandbox, repair: true)
            #expect(status == 0 && repaired.ok, "\(repaired)")
            #expect(try ids.map { try sandbox.record($0)["State"] } == states)
            // The unparseable commit is still in the reflog: nothing was lost.
            #expect(try sandbox.gitOK("reflog", "show", "--format=%H", "refs/kanbots/runs/\(ids[2])").contains(bad))
            #expect(try sandbox.board().unreadable.isEmpty)
        }
    }

    @Test func aBranchWhoseRunRefIsGoneIsRebuiltFromTheBranchAndItsNotes() throws {
        try Sandbox.with(cards: ["Add CSV export"]) { sandbox in
            let id = try finishedRun(sandbox)
            let branch = try sandbox.record(id)["Branch"]!
            try sandbox.gitOK("update-ref", "-d", "refs/kanbots/runs/\(id)")

            let board = try sandbox.board()
            let orphan = try board.run(id)
            #expect(orphan.state == "orphaned" && orphan.column == "in_review" && orphan.branch == branch)
            #expect(board.columns["in_review"] == [1])
            let shown = try JSON.object(from: try sandbox.kanbots("status", "--json")) as? [[String: Any]]
            #expect(shown?.first?["agent"] as? String == "demo", "agent not recovered from the notes: \(shown ?? [])")

            let (found, _) = try fsck(sandbox)
            #expect(found.findings.map(\.kind) == ["orphaned_branch"], "\(found.findings)")
            let (repaired, status) = try fsck(sandbox, repair: true)
            #expect(status == 0 && repaired.ok, "\(repaired)")
            let record = try sandbox.record(id)
            #expect(record["State"] == "completed" && record["Reason"] == "recovered" && record["Agent"] == "demo")
            #expect(record["Recovered-From"] == "branch" && record["Branch"] == branch)
            let after = try sandbox.board().run(id)
            #expect(after.state == "completed" && after.column == "in_review")
        }
    }

    @Test func strayAndMissingWorktreesAndDanglingNotesAreReportedAndLeftAlone() throws {
        try Sandbox.with(cards: ["Add CSV export", "Slow one"]) { sandbox in
            _ = try finishedRun(sandbox)
            try sandbox.write(".kanbots/worktrees/issue-9-99-zzzz/notes.txt", "mine\n")
            // A note on a commit that then vanishes from the object database.
            let gone = try sandbox.gitOK("commit-tree", "-m", "soon gone", "HEAD^{tree}")
            try sandbox.gitOK("notes", "--ref=kanbots", "add", "-m", "kanbots-run: 1-zzzz card=1 agent=demo model=x", gone)
            try FileManager.default.removeItem(atPath: sandbox.path(".git/objects/\(gone.prefix(2))/\(gone.dropFirst(2))"))
            // An active run whose worktree is removed under it.
            try sandbox.installFakeAgent("claude", script: "#!/bin/sh\nsleep 120\n")
            let slow = try sandbox.dispatch(2, ["--agent", "claude"])
            let deadline = Date().addingTimeInterval(30)
            while try sandbox.record(slow.id)["State"] != "running", Date() < deadline { Thread.sleep(forTimeInterval: 0.1) }
            try FileManager.default.removeItem(atPath: slow.worktree)

            let (found, status) = try fsck(sandbox)
            #expect(status != 0)
            let kinds = Dictionary(grouping: found.findings, by: \.kind)
            #expect(kinds["worktree_without_run"]?.map(\.subject) == [".kanbots/worktrees/issue-9-99-zzzz"], "\(found)")
            #expect(kinds["dangling_note"]?.map(\.subject) == [gone], "\(found)")
            #expect(kinds["missing_worktree"]?.map(\.run) == [slow.id], "\(found)")
            let (repaired, _) = try fsck(sandbox, repair: true)
            #expect(repaired.repairs.allSatisfy { !$0.repaired } && repaired.remaining.count == found.findings.count)
            #expect(sandbox.read(".kanbots/worktrees/issue-9-99-zzzz/notes.txt") == "mine\n")
            expectSuccess(try sandbox.kanbots("stop", slow.id))
        }
    }

    @Test func gcKeepsTheWorktreeOfAnOrphanedBranch() throws {
        try Sandbox.with(cards: ["Add CSV export"]) { sandbox in
            let id = try finishedRun(sandbox)
            let worktree = try sandbox.record(id)["Worktree"]!
            try sandbox.write(worktree + "/uncommitted.txt", "work\n")
            try sandbox.write(".git/refs/kanbots/runs/\(id)", "garbage\n")
            expectSuccess(try sandbox.kanbots("gc"))
            #expect(sandbox.read(worktree + "/uncommitted.txt") == "work\n")
        }
    }
}
