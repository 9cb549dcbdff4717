import Foundation
import Testing
@testable import KanbotsGit

/// `createPackedReferences`: new refs and loose ones go into `packed-refs`
/// under `packed-refs.lock`, never over a ref that exists or is being
/// written, and git reads the result as its own.
@Suite struct PackedReferencesTests {
    /// The shared two-commit repository, and what these tests do to its files.
    struct Fixture {
        let base: TwoCommits
        var scratch: ScratchRepo { base.scratch }
        var repo: Repository { base.repo }
        var head: ObjectID { base.first }
        var second: ObjectID { base.second }
        var gitDir: String { base.gitDir }

        init() throws { base = try TwoCommits() }

        func exists(_ relative: String) -> Bool { FileManager.default.fileExists(atPath: gitDir + "/" + relative) }
        func packedRefs() throws -> String { try String(contentsOfFile: gitDir + "/packed-refs", encoding: .utf8) }
    }

    @Test func newRefsAreWrittenPackedAndGitReadsThem() throws {
        let f = try Fixture()
        // An existing packed file keeps its other refs, and its header's traits.
        _ = try f.scratch.git("tag", "-a", "v1", "-m", "a tag")
        _ = try f.scratch.git("pack-refs", "--all")
        let names = (1...300).map { "refs/kanbots/runs/\($0)-srcb" } + ["refs/kanbots/cards/7"]
        let left = try f.repo.createPackedReferences(names.map { ReferenceUpdate(name: $0, target: f.second, expected: nil) })
        #expect(left.isEmpty)
        #expect(!f.exists("refs/kanbots/runs/1-srcb"), "written loose")
        #expect(try f.scratch.git("for-each-ref", "--count=1", "--format=%(objectname)", "refs/kanbots/runs/299-srcb") == f.second.hex)
        #expect(try f.scratch.git("for-each-ref", "refs/kanbots/").split(separator: "\n").count == 301)
        #expect(try f.repo.referenceTarget("refs/kanbots/cards/7") == f.second)
        let text = try f.packedRefs()
        #expect(text.hasPrefix("# pack-refs with: peeled fully-peeled sorted \n"))
        #expect(text.contains("refs/tags/v1\n^\(f.head.hex)\n"), "the tag's peeled line was lost")
        // In byte order, as git binary-searches it: "10-srcb" before "2-srcb".
        let listed = text.split(separator: "\n").filter { !$0.hasPrefix("#") && !$0.hasPrefix("^") }.map { String($0.dropFirst(41)) }
        #expect(listed == listed.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) })
        // git can move and delete them like any packed ref, and checks the file.
        _ = try f.scratch.git("update-ref", "-d", "refs/kanbots/runs/5-srcb")
        _ = try f.scratch.git("update-ref", "refs/kanbots/runs/6-srcb", f.head.hex, f.second.hex)
        #expect(try f.repo.referenceTarget("refs/kanbots/runs/6-srcb") == f.head)
        #expect(try f.repo.referenceTarget("refs/kanbots/runs/5-srcb") == nil)
        _ = try f.scratch.git("fsck", "--no-dangling")
        _ = try f.scratch.git("pack-refs", "--all")
        #expect(!f.exists("packed-refs.lock") && !f.exists("refs/kanbots/runs/1-srcb.lock"))
    }

    @Test func looseRefsAreFoldedInOnlyWhileTheyHoldWhatWasRead() throws {
        let f = try Fixture()
        try f.repo.updateReference("refs/kanbots-remotes/o/kanbots/runs/1-a", to: f.second, expecting: nil, message: "fetched")
        try f.repo.updateReference("refs/kanbots-remotes/o/kanbots/runs/2-a", to: f.head, expecting: nil, message: "fetched")
        #expect(Set(f.repo.looseReferenceNames(under: "refs/kanbots-remotes/")) ==
                ["refs/kanbots-remotes/o/kanbots/runs/1-a", "refs/kanbots-remotes/o/kanbots/runs/2-a"])
        // 2-a moved after it was read (to head): it stays loose, untouched.
        _ = try f.repo.createPackedReferences([], absorbing: [
            "refs/kanbots-remotes/o/kanbots/runs/1-a": f.second,
            "refs/kanbots-remotes/o/kanbots/runs/2-a": f.second,
        ])
        #expect(!f.exists("refs/kanbots-remotes/o/kanbots/runs/1-a"))
        #expect(f.exists("refs/kanbots-remotes/o/kanbots/runs/2-a"))
        #expect(f.repo.looseReferenceNames(under: "refs/kanbots-remotes") == ["refs/kanbots-remotes/o/kanbots/runs/2-a"])
        #expect(try f.repo.referenceTarget("refs/kanbots-remotes/o/kanbots/runs/1-a") == f.second)
        #expect(try f.repo.referenceTarget("refs/kanbots-remotes/o/kanbots/runs/2-a") == f.head)
        #expect(try f.packedRefs().contains("\(f.second.hex) refs/kanbots-remotes/o/kanbots/runs/1-a\n"))
    }

    @Test func refsItCannotCreateSafelyAreLeftToTheCaller() throws {
        let f = try Fixture()
        try f.repo.updateReference("refs/kanbots/runs/1-a", to: f.head, expecting: nil, message: "exists, loose")
        try f.repo.updateReference("refs/kanbots/runs/x", to: f.head, expecting: nil, message: "a folder's name")
        // Someone else holds 3-a's lock.
        FileManager.default.createFile(atPath: f.gitDir + "/refs/kanbots/runs/3-a.lock", contents: nil)
        let tree = try f.repo.writeTree([])
        let updates = [
            ReferenceUpdate(name: "refs/kanbots/runs/1-a", target: f.second, expected: nil),   // exists
            ReferenceUpdate(name: "refs/kanbots/runs/2-a", target: f.second, expected: f.head), // not a creation
            ReferenceUpdate(name: "refs/kanbots/runs/3-a", target: f.second, expected: nil),   // locked
            ReferenceUpdate(name: "refs/kanbots/runs/4-a", target: tree, expected: nil),       // not a commit
            ReferenceUpdate(name: "refs/kanbots/runs/x/y", target: f.second, expected: nil),   // under a ref
            ReferenceUpdate(name: "refs/kanbots/runs/5-a", target: f.second, expected: nil),   // fine
        ]
        let left = try f.repo.createPackedReferences(updates)
        #expect(left.map(\.name) == ["refs/kanbots/runs/1-a", "refs/kanbots/runs/2-a", "refs/kanbots/runs/3-a",
                                     "refs/kanbots/runs/4-a", "refs/kanbots/runs/x/y"])
        #expect(try f.repo.referenceTarget("refs/kanbots/runs/1-a") == f.head)
        #expect(try f.repo.referenceTarget("refs/kanbots/runs/5-a") == f.second)
        #expect(f.exists("refs/kanbots/runs/3-a.lock"), "someone else's lock file was removed")

        // A packed ref in the way of a new one is found in the file, too.
        _ = try f.scratch.git("pack-refs", "--all")
        #expect(try f.repo.createPackedReferences([
            ReferenceUpdate(name: "refs/kanbots/runs/5-a/z", target: f.second, expected: nil),
            ReferenceUpdate(name: "refs/kanbots", target: f.second, expected: nil),
        ]).count == 2)

        // Nor can two new refs of one batch be a ref and its folder, in either order.
        let nested = try f.repo.createPackedReferences([
            ReferenceUpdate(name: "refs/kanbots/sessions/a/b", target: f.second, expected: nil),
            ReferenceUpdate(name: "refs/kanbots/sessions/a", target: f.second, expected: nil),
            ReferenceUpdate(name: "refs/kanbots/personas/c", target: f.second, expected: nil),
            ReferenceUpdate(name: "refs/kanbots/personas/c/d", target: f.second, expected: nil),
        ])
        #expect(nested.map(\.name) == ["refs/kanbots/sessions/a", "refs/kanbots/personas/c/d"])

        // packed-refs itself is busy: nothing is written, and it says so.
        FileManager.default.createFile(atPath: f.gitDir + "/packed-refs.lock", contents: nil)
        let busy = #expect(throws: GitError.self) {
            try f.repo.createPackedReferences([ReferenceUpdate(name: "refs/kanbots/runs/6-a", target: f.second, expected: nil)])
        }
        #expect(busy?.isContention == true)
        #expect(try f.repo.referenceTarget("refs/kanbots/runs/6-a") == nil)
        #expect(f.exists("packed-refs.lock"))
        #expect(!f.exists("refs/kanbots/runs/6-a.lock"))
    }
}
