import Foundation
import KanbotsCore
import KanbotsGit
import KanbotsStore

/// `promote --merge`: the forge-less way to finish a run, a merge into the
/// target branch done by git itself in the main checkout.
extension Promotion {
    public struct Merged {
        public var target: String
        public var commit: ObjectID
        public var how: String
    }

    /// The branch to merge into: `--into`, else the run's base (a remote
    /// base such as `origin/main` means the local `main`).
    func mergeTarget(_ into: String?) throws -> String {
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

    public func merge(into requested: String?) throws -> Merged {
        let git = repository.git
        let target = try mergeTarget(requested)
        let ref = "refs/heads/" + target
        let status = try GitProcess.run(["status", "--porcelain", "--untracked-files=no"],
                                        in: repository.workingDirectory, scratch: repository.stateDirectory)
        guard status.succeeded else { throw KanbotsError.io("git status failed: \(status.complaint)") }
        guard status.stdout.isEmpty else {
            throw KanbotsError.invalidArgument(
                "the main checkout \(repository.workingDirectory) has uncommitted changes; commit or stash them, then promote again")
        }
        guard let targetTip = try git.referenceTarget(ref) else { throw KanbotsError.unknownBase(target) }
        var merged: Merged
        if try targetTip == branchTip || git.isAncestor(branchTip, of: targetTip) {
            merged = Merged(target: target, commit: targetTip, how: "already contained in \(target)")
        } else if try git.symbolicTarget("HEAD") == ref {
            let message = "Merge run \(record.id) (card #\(record.card)\(card.map { ": \($0.title)" } ?? ""))"
            let result = try GitProcess.run(["merge", "--no-edit", "-m", message, "refs/heads/" + record.branch],
                                            in: repository.workingDirectory, scratch: repository.stateDirectory)
            guard result.succeeded else {
                _ = try? GitProcess.run(["merge", "--abort"], in: repository.workingDirectory,
                                        scratch: repository.stateDirectory)
                throw KanbotsError.invalidArgument(
                    "merging \(record.branch) into \(target) failed (\(result.complaint)); the merge was undone, "
                        + "\(target) is unchanged: resolve it by hand with `git merge \(record.branch)`")
            }
            guard let tip = try git.referenceTarget(ref) else { throw KanbotsError.unknownBase(target) }
            merged = Merged(target: target, commit: tip,
                            how: try git.isAncestor(targetTip, of: branchTip) && tip == branchTip
                                ? "fast-forward" : "merge commit")
        } else if try git.isAncestor(targetTip, of: branchTip) {
            // Not checked out here: a fast-forward is a compare-and-swap of the branch.
            try git.updateReference(ref, to: branchTip, expecting: targetTip,
                                    message: "git-kanbots: fast-forward to run \(record.id)")
            merged = Merged(target: target, commit: branchTip, how: "fast-forward")
        } else {
            throw KanbotsError.invalidArgument(
                "\(target) has moved on since the run started, so it needs a merge commit, and it is not checked out "
                    + "in the main checkout; `git switch \(target)` there and promote again")
        }
        try RunStore(repository).update(record.id) { current in
            current.state = .merged
            current.reason = nil
            if current.endedAt == nil { current.endedAt = Date() }
            current.setExtra(RunRecord.PromotionKey.mergedInto, target)
            current.setExtra(RunRecord.PromotionKey.mergeCommit, merged.commit.hex)
            return true
        }
        return merged
    }
}
