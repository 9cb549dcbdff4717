import Foundation
import Testing
@testable import KanbotsGit

/// A throwaway repository with one commit, made with the real git.
final class ScratchRepo {
    let path: String

    init() throws {
        path = NSTemporaryDirectory() + "kanbots-git-tests-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        try Data("hello\n".utf8).write(to: URL(fileURLWithPath: path + "/README"))
        try git("init", "-q", "-b", "main")
        try git("-c", "user.name=T", "-c", "user.email=t@example.invalid", "add", "README")
        try git("-c", "user.name=T", "-c", "user.email=t@example.invalid", "commit", "-q", "-m", "init")
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    @discardableResult
    func git(_ arguments: String...) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["git", "-C", path] + arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw CocoaError(.executableLoad) }
        return String(decoding: output, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}

@Suite struct ReferenceTests {
    @Test func compareAndSwapRefusesAStaleExpectation() throws {
        let scratch = try ScratchRepo()
        let repo = try Repository.open(at: scratch.path)
        let head = try #require(try repo.referenceTarget("HEAD"))
        let blob = try repo.writeBlob(Data("x".utf8))
        let tree = try repo.writeTree([TreeEntry(name: "x", id: blob)])
        let second = try repo.createCommit(tree: tree, parents: [head], message: "second\n", signature: repo.defaultSignature())

        try repo.updateReference("refs/kanbots/test", to: head, expecting: nil, message: "create")
        #expect(throws: GitError.self) {
            try repo.updateReference("refs/kanbots/test", to: second, expecting: nil, message: "create again")
        }
        #expect(throws: GitError.self) {
            try repo.updateReference("refs/kanbots/test", to: second, expecting: second, message: "stale")
        }
        try repo.updateReference("refs/kanbots/test", to: second, expecting: head, message: "swap")
        #expect(try repo.referenceTarget("refs/kanbots/test") == second)
        #expect(try scratch.git("rev-parse", "refs/kanbots/test") == second.hex)
    }

    /// The race libgit2's plain create loses: many writers creating one ref
    /// at once must yield exactly one winner.
    @Test func exactlyOneConcurrentCreatorWins() throws {
        let scratch = try ScratchRepo()
        let head = try #require(try Repository.open(at: scratch.path).referenceTarget("HEAD"))
        let path = scratch.path
        for round in 0..<20 {
            let winners = Counter()
            DispatchQueue.concurrentPerform(iterations: 8) { _ in
                guard let repo = try? Repository.open(at: path) else { return }
                do {
                    try repo.updateReference("refs/kanbots/race/\(round)", to: head, expecting: nil, message: "race")
                    winners.increment()
                } catch let error as GitError where error.isContention {
                } catch {
                    Issue.record("unexpected error \(error)")
                }
            }
            #expect(winners.value == 1, "round \(round)")
        }
    }

    @Test func notesKeepEveryObjectAndReadBack() throws {
        let scratch = try ScratchRepo()
        let repo = try Repository.open(at: scratch.path)
        let head = try #require(try repo.referenceTarget("HEAD"))
        let notes = try #require(try repo.notesCommit(parent: nil, objects: [head], signature: repo.defaultSignature()) { _, old in
            (old ?? "") + "line\n"
        })
        try repo.updateReference("refs/notes/kanbots", to: notes, expecting: nil, message: "notes")
        #expect(try repo.note(on: head, notesRef: "refs/notes/kanbots") == "line\n")
        #expect(try scratch.git("notes", "--ref=kanbots", "show", head.hex) == "line")
    }

    @Test func resolvesRevisionsAndCountsAheadBehind() throws {
        let scratch = try ScratchRepo()
        let repo = try Repository.open(at: scratch.path)
        let head = try #require(try repo.resolveCommit("main"))
        #expect(try repo.resolveCommit("does-not-exist") == nil)
        let tree = try repo.commit(head).tree
        let child = try repo.createCommit(tree: tree, parents: [head], message: "child\n", signature: repo.defaultSignature())
        let counts = try repo.aheadBehind(child, head)
        #expect(counts.ahead == 1 && counts.behind == 0)
        #expect(try repo.isAncestor(head, of: child))
        #expect(try repo.commits(from: child, excluding: head) == [child])
    }
}

final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0
    func increment() { lock.lock(); count += 1; lock.unlock() }
    var value: Int { lock.lock(); defer { lock.unlock() }; return count }
}
