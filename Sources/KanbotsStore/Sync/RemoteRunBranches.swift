import KanbotsCore
import KanbotsGit

extension Synchronizer {
    /// Gives each finished run of this clone that ran in an engine's job its
    /// local run branch (`kanbots/issue-…`), at the tip its job pushed as
    /// `refs/kanbots/branches/<run>`: from then on open, diff, review and
    /// land treat it as a local run (a worktree is made when one is needed).
    /// A branch that exists already is left alone: it may hold local work.
    /// Returns the branches created.
    @discardableResult
    func createRemoteRunBranches() throws -> [String] {
        let clone = try Settings(repository).cloneTag()
        var created: [String] = []
        for record in try RunIndex(repository).records().records
        where record.executor.isRemote && record.state.isFinished && record.id.clone == clone {
            let branchRef = "refs/heads/" + record.branch
            guard try git.referenceTarget(branchRef) == nil,
                  let tip = try git.referenceTarget(record.remoteBranchRef) else { continue }
            do {
                try git.updateReference(branchRef, to: tip, expecting: nil, message: "kanbots sync: remote run \(record.id)")
                created.append(record.branch)
            } catch {
                continue  // created meanwhile by another command: theirs stands
            }
        }
        return created
    }
}

extension Synchronizer {
    /// Fetches one run's record from the remote straight into the local ref,
    /// fast-forward only (`log --follow` of a remote run): nothing else is
    /// fetched. A record that diverged is left for `sync` to merge.
    public func fetchRun(_ id: RunID) {
        let ref = KanbotsRepository.runsRefPrefix + id.description
        try? transport.fetch(remote: remote, refspecs: ["\(ref):\(ref)"])
    }
}

extension Synchronizer {
    /// Pushes one run's record to the remote (fast-forward only, as every
    /// push of ours) and remembers what the remote now has. False when the
    /// remote refused it: its copy moved on meanwhile.
    public func pushRun(_ id: RunID) throws -> Bool {
        let ref = KanbotsRepository.runsRefPrefix + id.description
        guard let tip = try git.referenceTarget(ref) else { return false }
        let results = try transport.push(remote: remote, updates: [(ref, tip.hex)])
        guard !results.isEmpty, results.allSatisfy(\.accepted) else { return false }
        let tracked = tracking(ref)
        try? git.updateReference(tracked, to: tip, expecting: try? git.referenceTarget(tracked), message: "kanbots: pushed")
        return true
    }
}
