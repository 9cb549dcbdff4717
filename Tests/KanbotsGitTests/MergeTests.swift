import Foundation
import Testing
@testable import KanbotsGit

/// In-memory merges and tree diffs against repositories made by the real git.
@Suite struct MergeTests {
    /// A repository with a 30-line `app.txt`, and branches `left` and
    /// `right` that each replace one line (the same one when `sameLine`).
    private func forked(sameLine: Bool) throws -> (ScratchRepo, Repository, ObjectID, ObjectID) {
        let scratch = try ScratchRepo()
        let lines = (1...30).map { "line \($0)" }
        func commit(_ branch: String, replacing index: Int, with text: String) throws {
            try scratch.git("checkout", "-q", "-B", branch, "main")
            var edited = lines
            edited[index] = text
            try Data((edited.joined(separator: "\n") + "\n").utf8).write(to: URL(fileURLWithPath: scratch.path + "/app.txt"))
            try scratch.git("add", "app.txt")
            try scratch.git("-c", "user.name=T", "-c", "user.email=t@example.invalid", "commit", "-q", "-m", branch)
        }
        try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: URL(fileURLWithPath: scratch.path + "/app.txt"))
        try scratch.git("add", "app.txt")
        try scratch.git("-c", "user.name=T", "-c", "user.email=t@example.invalid", "commit", "-q", "-m", "app")
        try commit("left", replacing: 2, with: "left")
        try commit("right", replacing: sameLine ? 2 : 27, with: "right")
        try scratch.git("checkout", "-q", "main")
        let repo = try Repository.open(at: scratch.path)
        return (scratch, repo, try #require(try repo.resolveCommit("left")), try #require(try repo.resolveCommit("right")))
    }

    @Test func theSameLinesConflictAndNothingOnDiskChanges() throws {
        let (scratch, repo, left, right) = try forked(sameLine: true)
        let index = try Data(contentsOf: URL(fileURLWithPath: scratch.path + "/.git/index"))
        let head = try scratch.git("rev-parse", "HEAD")
        let merge = try repo.mergeCommits(left, right, writeTree: true)
        #expect(merge.conflictedPaths == ["app.txt"])
        #expect(merge.tree == nil)
        #expect(try Data(contentsOf: URL(fileURLWithPath: scratch.path + "/.git/index")) == index)
        #expect(try scratch.git("rev-parse", "HEAD") == head)
        #expect(try scratch.git("status", "--porcelain").isEmpty)
    }

    @Test func distantRegionsOfOneFileMergeCleanly() throws {
        let (scratch, repo, left, right) = try forked(sameLine: false)
        #expect(try repo.mergeCommits(left, right).isClean)
        #expect(try repo.mergeCommits(left, right).tree == nil, "no tree unless asked")
        let merged = try #require(try repo.mergeCommits(left, right, writeTree: true).tree)
        // The tree git itself computes for the same merge.
        #expect(merged.hex == (try scratch.git("merge-tree", "--write-tree", "left", "right")))
        // Stacking by trees gives the same result.
        let base = try #require(try repo.mergeBase(left, right))
        let stacked = try repo.mergeTrees(ancestor: try repo.commit(base).tree, ours: try repo.commit(left).tree,
                                          theirs: try repo.commit(right).tree, writeTree: true)
        #expect(stacked.tree == merged)
    }

    @Test func aDiffSummaryCountsLinesPerFileWithStatus() throws {
        let (scratch, repo, left, _) = try forked(sameLine: true)
        try scratch.git("checkout", "-q", "left")
        try Data("new\nfile\n".utf8).write(to: URL(fileURLWithPath: scratch.path + "/added.txt"))
        try scratch.git("rm", "-q", "README")
        try scratch.git("add", "added.txt")
        try scratch.git("-c", "user.name=T", "-c", "user.email=t@example.invalid", "commit", "-q", "-m", "more")
        let tip = try #require(try repo.resolveCommit("left"))
        let base = try #require(try repo.resolveCommit("main"))
        let changes = try repo.diffSummary(from: base, to: tip).sorted { $0.path < $1.path }
        #expect(changes == [
            FileChange(path: "README", status: .deleted, linesAdded: 0, linesRemoved: 1),
            FileChange(path: "added.txt", status: .added, linesAdded: 2, linesRemoved: 0),
            FileChange(path: "app.txt", status: .modified, linesAdded: 1, linesRemoved: 1),
        ])
        #expect(try repo.diffSummary(from: left, to: left).isEmpty)
    }
}
