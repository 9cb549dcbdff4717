import KanbotsCore
import KanbotsGit
import KanbotsSystem

/// One entity kept as a chain of commits on its own ref (Gerrit NoteDb
/// style): the tip's message is the current record, each parent an earlier
/// version, the tree holds attachments such as a card's body. Every write is
/// a compare-and-swap of the ref, retried when another writer got there first.
struct RecordChain {
    let git: Repository
    let ref: String

    /// Creates the ref with its first record; throws a contention error if
    /// the ref exists, which is how ids are claimed atomically.
    func create(message: String, files: [String: Data], signature: Signature) throws {
        let tree = try writeTree(files: files, base: [:])
        let commit = try git.createCommit(tree: tree, parents: [], message: message, signature: signature)
        // A reflog from the first record on: `fsck --repair` rebuilds an
        // unreadable ref from it. A loser of the id race leaves the winner's
        // log file in place, which is harmless.
        try git.ensureReflog(ref)
        try git.updateReference(ref, to: commit, expecting: nil, message: "kanbots: create")
    }

    /// Reads the tip, lets `change` compute the next message (and attachment
    /// changes: nil data deletes a file), and swaps it in. Returns the new
    /// tip, or nil when `change` returned nil (nothing to write).
    ///
    /// - Parameter diskFiles: attachments to add from files on disk (name to
    ///   path), streamed into git so a large transcript never sits in memory.
    @discardableResult
    func update(
        signature: Signature,
        diskFiles: [String: String] = [:],
        _ change: (_ message: String, _ files: [String: ObjectID]) throws -> (String, [String: Data?])?
    ) throws -> ObjectID? {
        let streamed = try diskFiles.mapValues { try git.writeBlob(fromFile: $0) }
        return try Contention.retrying(ref: ref) {
            guard let tip = try git.readableTarget(ref) else { throw RecordChainError.missing(ref) }
            let current = try git.commit(tip)
            let files = try git.treeEntries(current.tree)
            guard let (message, changes) = try change(current.message, files) else { return nil }
            var entries = files.merging(streamed) { _, new in new }
            var newBlobs: [String: Data] = [:]
            for (name, data) in changes {
                if let data { newBlobs[name] = data } else { entries[name] = nil }
            }
            let tree = try writeTree(files: newBlobs, base: entries)
            let commit = try git.createCommit(tree: tree, parents: [tip], message: message, signature: signature)
            try git.updateReference(ref, to: commit, expecting: tip, message: "kanbots: update")
            return commit
        }
    }

    func tipMessage() throws -> String? {
        guard let tip = try git.readableTarget(ref) else { return nil }
        return try git.commitMessage(tip)
    }

    /// Every version, oldest first (first-parent history).
    func history() throws -> [CommitInfo] {
        guard var next = try git.readableTarget(ref) else { return [] }
        var versions: [CommitInfo] = []
        while true {
            let commit = try git.commit(next)
            versions.append(commit)
            guard let parent = commit.parents.first else { break }
            next = parent
        }
        return versions.reversed()
    }

    func attachment(_ name: String) throws -> Data? {
        guard let tip = try git.readableTarget(ref) else { return nil }
        guard let blob = try git.treeEntries(try git.commit(tip).tree)[name] else { return nil }
        return try git.readBlob(blob)
    }

    private func writeTree(files: [String: Data], base: [String: ObjectID]) throws -> ObjectID {
        var entries = base
        for (name, data) in files { entries[name] = try git.writeBlob(data) }
        return try git.writeTree(entries.sorted { $0.key < $1.key }.map { TreeEntry(name: $0.key, id: $0.value) })
    }
}

enum RecordChainError: Error {
    case missing(String)
}

/// Retry policy for compare-and-swap writes: jittered exponential back-off,
/// generous enough that fifty concurrent writers all get through.
public enum Contention {
    public static let maxAttempts = 400
    /// Retries taken by this process, for benchmarks (`KANBOTS_STATS`).
    nonisolated(unsafe) public internal(set) static var retries = 0
    nonisolated(unsafe) public internal(set) static var writes = 0

    static func retrying<T>(ref: String, _ attempt: () throws -> T) throws -> T {
        var delay = 0.0005
        for number in 1...maxAttempts {
            do {
                let result = try attempt()
                writes += 1
                return result
            } catch let error as GitError where error.isContention {
                retries += 1
                if number == maxAttempts { break }
                sleepThread(seconds: Double.random(in: delay / 2...delay))
                delay = min(delay * 1.6, 0.05)
            }
        }
        throw KanbotsError.contention(ref: ref, attempts: maxAttempts)
    }
}
