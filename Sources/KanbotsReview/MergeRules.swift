import Foundation
import KanbotsCore
import KanbotsGit
import KanbotsStore

/// The rules every local merge of a run follows, for `land` and `promote
/// --merge` alike (docs/review.md, "Landing"): into a local branch, never
/// over uncommitted changes, never into a branch another worktree has
/// checked out; a fast-forward where possible, else a merge commit; the
/// branch moves by compare-and-swap, and the run is recorded `merged`.
public struct MergeRules {
    let repository: KanbotsRepository

    public init(_ repository: KanbotsRepository) { self.repository = repository }

    /// The branch to merge into: `into`, else the run's base (a remote base
    /// such as `origin/main` means the local `main`).
    public func target(for record: RunRecord, into: String?) throws -> String {
        let git = repository.git
        if let into {
            guard try git.referenceTarget("refs/heads/" + into) != nil else {
                throw KanbotsError.invalidArgument("--into \(into) is not a local branch (`git branch` lists them)")
            }
            return into
        }
        if try git.referenceTarget("refs/heads/" + record.base) != nil { return record.base }
        if let slash = record.base.firstIndex(of: "/") {
            let local = String(record.base[record.base.index(after: slash)...])
            if try git.referenceTarget("refs/heads/" + local) != nil { return local }
        }
        throw KanbotsError.invalidArgument(
            "the run's base \(record.base) is not a local branch; name the branch to merge into with --into BRANCH")
    }

    /// Refuses a target that cannot be moved safely right now.
    public func checkTarget(_ target: String) throws {
        let ref = "refs/heads/" + target
        if let elsewhere = try repository.git.linkedWorktreePaths(checkingOut: ref).first {
            throw KanbotsError.invalidArgument(
                "\(target) is checked out in the worktree \(elsewhere); switch that worktree to another branch "
                    + "(`git -C \(elsewhere) switch --detach`), then land again")
        }
        if try repository.git.symbolicTarget("HEAD") == ref, try repository.git.hasTrackedChanges() {
            throw KanbotsError.invalidArgument(
                "the main checkout \(repository.workingDirectory) has uncommitted changes; commit or stash them, then try again")
        }
    }

    public struct Merge: Sendable {
        public var target: String
        public var before: ObjectID
        public var commit: ObjectID
        /// `fast-forward`, `merge commit`, or already contained.
        public var how: String
        public var moves: Bool { before != commit }
    }

    /// The commit `target` would move to: computed in memory, written as
    /// objects only; nothing moves yet.
    public func prepare(_ record: RunRecord, tip: ObjectID, into target: String, cardTitle: String?) throws -> Merge {
        let git = repository.git
        guard let targetTip = try git.referenceTarget("refs/heads/" + target) else { throw KanbotsError.unknownBase(target) }
        if try git.isAncestor(tip, of: targetTip) {
            return Merge(target: target, before: targetTip, commit: targetTip, how: "already contained in \(target)")
        }
        if try git.isAncestor(targetTip, of: tip) {
            return Merge(target: target, before: targetTip, commit: tip, how: "fast-forward")
        }
        let merged = try git.mergeCommits(targetTip, tip, writeTree: true)
        guard let tree = merged.tree else {
            throw KanbotsError.invalidArgument(
                "run \(record.id) conflicts with \(target) in \(RiskRules.listing(merged.conflictedPaths)); \(target) is "
                    + "unchanged: `git kanbots reply \(record.id)` to have it rebased, or `git merge \(record.branch)` by hand")
        }
        let message = "Merge run \(record.id) (card #\(record.card)\(cardTitle.map { ": \($0)" } ?? ""))\n"
        let commit = try git.createCommit(tree: tree, parents: [targetTip, tip], message: message,
                                          signature: git.defaultSignature())
        return Merge(target: target, before: targetTip, commit: commit, how: "merge commit")
    }

    /// Moves the target branch (and the main checkout's files, when it is
    /// checked out there) by compare-and-swap, then records the run merged
    /// and the other attempts of its card stopped and superseded (returned).
    @discardableResult
    public func publish(_ merge: Merge, run record: RunRecord) throws -> Attempts.Settled {
        let git = repository.git
        let ref = "refs/heads/" + merge.target
        if merge.moves {
            let message = "git-kanbots: land run \(record.id) (\(merge.how))"
            do {
                if try git.symbolicTarget("HEAD") == ref {
                    try git.advanceCheckedOutBranch(ref, from: merge.before, to: merge.commit, message: message)
                } else {
                    try git.updateReference(ref, to: merge.commit, expecting: merge.before, message: message)
                }
            } catch let error as GitError where error.isContention {
                throw KanbotsError.invalidArgument(
                    "\(merge.target) moved while run \(record.id) was being merged; nothing changed, run the command again")
            } catch let error as GitError {
                throw KanbotsError.invalidArgument(
                    "could not update the main checkout to \(merge.target) after run \(record.id) (\(error.message)); "
                        + "\(merge.target) is unchanged: commit or stash local changes, then try again")
            }
        }
        try RunStore(repository).update(record.id) { current in
            current.state = .merged
            current.reason = nil
            if current.endedAt == nil { current.endedAt = Date() }
            current.setExtra(RunRecord.PromotionKey.mergedInto, merge.target)
            current.setExtra(RunRecord.PromotionKey.mergeCommit, merge.commit.hex)
            // It landed: an earlier failure on another merge says nothing any more.
            current.setExtra(RunRecord.AttemptKey.mergeChecksFailed, nil)
            return true
        }
        return try Attempts(repository).settle(othersThan: record)
    }
}
