import KanbotsCore
import KanbotsGit

/// What bringing one remote ref into the local one did.
public enum MergeOutcome: String, Sendable, Hashable, CustomStringConvertible {
    /// Local already had it (or more: local is ahead and will be pushed).
    case unchanged
    /// The ref was new here.
    case created
    /// Local was behind: it now points at the remote tip.
    case fastForwarded
    /// Both sides moved: a merge commit with both tips as parents.
    case merged
    /// Same ref name, histories with no common commit: not merged.
    case unrelated

    public var description: String {
        switch self {
        case .unchanged: "unchanged"
        case .created: "new"
        case .fastForwarded: "updated"
        case .merged: "merged"
        case .unrelated: "unrelated histories"
        }
    }
}

/// Brings the remote version of a ref into the local one, as a
/// compare-and-swap of the local ref (retried like every other write).
///
/// Merge commits are deterministic: parents in object-id order, a fixed
/// identity, the later parent's time, and a message and tree that a
/// symmetric `resolve` computes from the two tips. Two clones that merge the
/// same pair of tips therefore write the very same commit, so their refs
/// converge instead of merging each other's merges forever.
struct RefMerger {
    let git: Repository

    static let identity = (name: "git-kanbots sync", email: "sync@git-kanbots.invalid")

    typealias Resolve = (_ first: CommitInfo, _ second: CommitInfo) throws -> (message: String, tree: ObjectID)

    func integrate(ref: String, remote: ObjectID, allowUnrelated: Bool = false, resolve: Resolve) throws -> MergeOutcome {
        try Contention.retrying(ref: ref) {
            let local = try git.referenceTarget(ref)
            let step = try plan(local: local, remote: remote, allowUnrelated: allowUnrelated, resolve: resolve)
            if let tip = step.newTip {
                try git.updateReference(ref, to: tip, expecting: local, message: "kanbots sync: \(step.outcome)")
            }
            return step.outcome
        }
    }

    /// What bringing `remote` into a ref now at `local` takes, computed
    /// without writing the ref: the outcome, and the tip to write (nil when
    /// the ref stays as it is). A merge commit is written as an object.
    func plan(
        local: ObjectID?, remote: ObjectID, allowUnrelated: Bool = false, resolve: Resolve
    ) throws -> (outcome: MergeOutcome, newTip: ObjectID?) {
        guard let local else { return (.created, remote) }
        if local == remote { return (.unchanged, nil) }
        if try git.isAncestor(remote, of: local) { return (.unchanged, nil) }
        if try git.isAncestor(local, of: remote) { return (.fastForwarded, remote) }
        if !allowUnrelated, try git.mergeBase(local, remote) == nil { return (.unrelated, nil) }
        return (.merged, try mergeCommit(local, remote, resolve: resolve))
    }

    func mergeCommit(_ one: ObjectID, _ other: ObjectID, resolve: Resolve) throws -> ObjectID {
        let (firstID, secondID) = one < other ? (one, other) : (other, one)
        let first = try git.commit(firstID), second = try git.commit(secondID)
        let (message, tree) = try resolve(first, second)
        let signature = Signature(name: Self.identity.name, email: Self.identity.email, date: max(first.time, second.time))
        return try git.createCommit(tree: tree, parents: [firstID, secondID], message: message, signature: signature)
    }

    /// The union of two one-level trees; on a name both have, `winner`'s entry.
    func unionTree(_ winner: CommitInfo, _ loser: CommitInfo) throws -> ObjectID {
        let entries = try git.treeEntries(loser.tree).merging(try git.treeEntries(winner.tree)) { _, win in win }
        return try git.writeTree(entries.sorted { $0.key < $1.key }.map { TreeEntry(name: $0.key, id: $0.value) })
    }

    /// Resolves two diverged versions of a run's record (`RunRecord.merged`).
    /// A version that does not parse loses to one that does; two that do not
    /// parse keep the larger message, so the result is still deterministic.
    func resolveRun(_ first: CommitInfo, _ second: CommitInfo) throws -> (message: String, tree: ObjectID) {
        let one = try? RunRecord(parsing: first.message), two = try? RunRecord(parsing: second.message)
        switch (one, two) {
        case let (one?, two?):
            let winner = one.supersedes(two) ? first : second
            return (RunRecord.merged(one, two).message.text, try unionTree(winner, winner.id == first.id ? second : first))
        case (_?, nil): return (first.message, try unionTree(first, second))
        case (nil, _?): return (second.message, try unionTree(second, first))
        case (nil, nil):
            let (winner, loser) = first.message >= second.message ? (first, second) : (second, first)
            return (winner.message, try unionTree(winner, loser))
        }
    }

    /// Resolves two diverged versions of a card: the later `Updated` wins
    /// whole (title, fields and body together), ties by message text.
    func resolveCard(_ first: CommitInfo, _ second: CommitInfo) throws -> (message: String, tree: ObjectID) {
        func updated(_ commit: CommitInfo) -> Date {
            (try? Card(parsing: commit.message, body: "")).map(\.updatedAt) ?? .distantPast
        }
        let (a, b) = (updated(first), updated(second))
        let firstWins = a != b ? a > b : first.message >= second.message
        let (winner, loser) = firstWins ? (first, second) : (second, first)
        return (winner.message, try unionTree(winner, loser))
    }

    /// Merges two notes commits by the union of lines per annotated object
    /// (what `git notes merge -s cat_sort_uniq` does). Notes refs of two
    /// clones usually share no history (each clone started its own), so
    /// unrelated histories are merged too. The tree is written flat: git and
    /// libgit2 read flat and fan-out notes trees alike.
    func integrateNotes(ref: String, remote: ObjectID) throws -> MergeOutcome {
        try integrate(ref: ref, remote: remote, allowUnrelated: true) { first, second in
            let one = try git.notes(inCommit: first.id), two = try git.notes(inCommit: second.id)
            var entries: [String: ObjectID] = [:]
            for (object, blob) in one.merging(two, uniquingKeysWith: { first, _ in first }) {
                if let other = two[object], let mine = one[object], other != mine {
                    let text = RunNotes.union(try [mine, other].map { String(decoding: try git.readBlob($0), as: UTF8.self) })
                    entries[object.hex] = try git.writeBlob(Data(text.utf8))
                } else {
                    entries[object.hex] = blob
                }
            }
            let tree = try git.writeTree(entries.sorted { $0.key < $1.key }.map { TreeEntry(name: $0.key, id: $0.value) })
            return ("Notes merged by 'git kanbots sync'\n", tree)
        }
    }
}
