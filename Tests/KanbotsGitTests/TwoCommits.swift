import Foundation
@testable import KanbotsGit

/// A scratch repository whose HEAD is `first`, with one more commit,
/// `second`, on top of it and on no branch: what the ref suites move refs
/// between.
struct TwoCommits {
    let scratch: ScratchRepo
    let repo: Repository
    let first: ObjectID
    let second: ObjectID
    var gitDir: String { scratch.path + "/.git" }

    init() throws {
        scratch = try ScratchRepo()
        repo = try Repository.open(at: scratch.path)
        guard let head = try repo.referenceTarget("HEAD") else { throw CocoaError(.fileNoSuchFile) }
        first = head
        let tree = try repo.writeTree([TreeEntry(name: "x", id: try repo.writeBlob(Data("x".utf8)))])
        second = try repo.createCommit(tree: tree, parents: [first], message: "second\n", signature: repo.defaultSignature())
    }
}
