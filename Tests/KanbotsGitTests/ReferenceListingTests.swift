import Foundation
import Testing
@testable import KanbotsGit

/// `referenceListing(under:)` reads refs as git does: a loose ref file is
/// authoritative over `packed-refs`, so one that does not parse hides its
/// packed value instead of letting libgit2's iterator return it as current.
@Suite struct ReferenceListingTests {
    /// The shared two-commit repository, and what these tests do to its files.
    struct Fixture {
        let base: TwoCommits
        var scratch: ScratchRepo { base.scratch }
        var repo: Repository { base.repo }
        var old: ObjectID { base.first }
        var new: ObjectID { base.second }
        var gitDir: String { base.gitDir }

        init() throws { base = try TwoCommits() }

        func writeLoose(_ name: String, _ contents: String) throws {
            let path = gitDir + "/" + name
            try FileManager.default.createDirectory(
                atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try Data(contents.utf8).write(to: URL(fileURLWithPath: path))
        }
    }

    @Test func aLooseFileThatDoesNotParseHidesItsPackedValue() throws {
        let f = try Fixture()
        for name in ["a", "b", "c", "d"] { try f.scratch.git("update-ref", "refs/kanbots/runs/\(name)", f.old.hex) }
        try f.scratch.git("pack-refs", "--all")
        // b moves on after the pack (a valid loose file over an old packed
        // line); c's loose file is damaged; d is a symbolic ref; e is loose
        // garbage with no packed line at all.
        try f.scratch.git("update-ref", "refs/kanbots/runs/b", f.new.hex)
        try f.writeLoose("refs/kanbots/runs/c", "garbage\n")
        try f.writeLoose("refs/kanbots/runs/d", "ref: refs/heads/main\n")
        try f.writeLoose("refs/kanbots/runs/e", "")

        // What libgit2's iterator alone says: c at its stale packed value.
        let iterated = Dictionary(uniqueKeysWithValues: try f.repo.references(matching: "refs/kanbots/runs/*").map { ($0.name, $0.target) })
        #expect(iterated["refs/kanbots/runs/c"] == f.old, "libgit2 no longer falls back: this test's premise is gone")

        let listing = try f.repo.referenceListing(under: "refs/kanbots/runs/")
        let listed = Dictionary(uniqueKeysWithValues: listing.references.map { ($0.name, $0.target) })
        #expect(listed == ["refs/kanbots/runs/a": f.old, "refs/kanbots/runs/b": f.new], "\(listed)")
        #expect(listing.unreadable.map(\.name) == ["refs/kanbots/runs/c", "refs/kanbots/runs/e"])
        #expect(listing.unreadable.first?.packedTarget == f.old && listing.unreadable.first?.contents == "garbage")
        #expect(listing.unreadable.last?.packedTarget == nil && listing.unreadable.last?.contents == "")

        // The loose names a caller already read give the same answer.
        let loose = f.repo.looseReferenceNames(under: "refs/kanbots/runs/")
        let again = try f.repo.referenceListing(under: "refs/kanbots/runs/", looseNames: loose)
        #expect(again.references.map(\.name) == listing.references.map(\.name) && again.unreadable == listing.unreadable)
    }

    @Test func oneRefIsCheckedTheSameWay() throws {
        let f = try Fixture()
        try f.scratch.git("update-ref", "refs/notes/kanbots", f.old.hex)
        try f.scratch.git("pack-refs", "--all")
        #expect(f.repo.unreadableLooseReferences(["refs/notes/kanbots"]).isEmpty, "packed only: readable")
        // Trailing text after the id and whitespace is what git accepts too.
        try f.writeLoose("refs/notes/kanbots", f.new.hex + " \n")
        #expect(f.repo.unreadableLooseReferences(["refs/notes/kanbots"]).isEmpty)
        #expect(try f.repo.referenceTarget("refs/notes/kanbots") == f.new)
        try f.writeLoose("refs/notes/kanbots", String(f.new.hex.dropLast()) + "\n")
        let broken = f.repo.unreadableLooseReferences(["refs/notes/kanbots", "refs/notes/none"])
        #expect(broken.map(\.name) == ["refs/notes/kanbots"] && broken.first?.packedTarget == f.old)
        // And git agrees that it is broken, rather than reading the packed line.
        #expect(throws: (any Error).self) { try f.scratch.git("rev-parse", "--verify", "-q", "refs/notes/kanbots") }
    }
}
