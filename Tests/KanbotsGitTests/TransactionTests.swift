import Foundation
import Testing
@testable import KanbotsGit

/// `updateReferences`: all refs move, or none (like `git update-ref --stdin`).
@Suite struct TransactionTests {
    func commits(_ repo: Repository) throws -> (ObjectID, ObjectID) {
        let head = try #require(try repo.referenceTarget("HEAD"))
        let tree = try repo.writeTree([TreeEntry(name: "x", id: try repo.writeBlob(Data("x".utf8)))])
        return (head, try repo.createCommit(tree: tree, parents: [head], message: "second\n", signature: repo.defaultSignature()))
    }

    @Test func everyRefMovesWhenEveryExpectationHolds() throws {
        let scratch = try ScratchRepo()
        let repo = try Repository.open(at: scratch.path)
        let (head, second) = try commits(repo)
        try repo.updateReference("refs/kanbots/runs/1-aaaa", to: head, expecting: nil, message: "create")
        try repo.updateReferences([
            ReferenceUpdate(name: "refs/kanbots/runs/1-aaaa", target: second, expected: head),
            ReferenceUpdate(name: "refs/kanbots/runs/2-aaaa", target: second, expected: nil),
        ], message: "batch", signature: repo.defaultSignature())
        #expect(try repo.referenceTarget("refs/kanbots/runs/1-aaaa") == second)
        #expect(try repo.referenceTarget("refs/kanbots/runs/2-aaaa") == second)
        #expect(try scratch.git("for-each-ref", "--format=%(objectname)", "refs/kanbots/runs/2-aaaa") == second.hex)
    }

    @Test func nothingMovesWhenOneRefMovedOrIsLocked() throws {
        let scratch = try ScratchRepo()
        let repo = try Repository.open(at: scratch.path)
        let (head, second) = try commits(repo)
        try repo.updateReference("refs/kanbots/runs/1-aaaa", to: second, expecting: nil, message: "moved meanwhile")
        let stale = [
            ReferenceUpdate(name: "refs/kanbots/runs/1-aaaa", target: head, expected: nil),
            ReferenceUpdate(name: "refs/kanbots/runs/2-aaaa", target: head, expected: nil),
        ]
        let moved = #expect(throws: GitError.self) {
            try repo.updateReferences(stale, message: "batch", signature: repo.defaultSignature())
        }
        #expect(moved?.isContention == true)
        #expect(try repo.referenceTarget("refs/kanbots/runs/2-aaaa") == nil)
        #expect(try repo.referenceTarget("refs/kanbots/runs/1-aaaa") == second)

        // Another writer holds a ref's lock file.
        let lock = scratch.path + "/.git/refs/kanbots/runs/3-aaaa.lock"
        try Data().write(to: URL(fileURLWithPath: lock))
        let locked = #expect(throws: GitError.self) {
            try repo.updateReferences([
                ReferenceUpdate(name: "refs/kanbots/runs/2-aaaa", target: head, expected: nil),
                ReferenceUpdate(name: "refs/kanbots/runs/3-aaaa", target: head, expected: nil),
            ], message: "batch", signature: repo.defaultSignature())
        }
        #expect(locked?.isContention == true)
        #expect(try repo.referenceTarget("refs/kanbots/runs/2-aaaa") == nil)
        #expect(FileManager.default.fileExists(atPath: lock), "someone else's lock file was removed")
        #expect(!FileManager.default.fileExists(atPath: scratch.path + "/.git/refs/kanbots/runs/2-aaaa.lock"))
    }
}
