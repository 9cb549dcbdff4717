import KanbotsCore
import KanbotsGit

extension BoardLoader {
    /// What the ref listing alone would hide from the board: run refs git
    /// cannot read (named as unreadable) and run branches whose record is
    /// lost (shown on their card as `orphaned`, In review).
    func hiddenRuns(
        listed: Set<String>, looseNames: [String]?, readable: Set<RunID>, branchTips: [String: ObjectID]
    ) -> (orphans: [(RunRecord, RunObservation)], unreadable: [KanbotsError]) {
        let hidden = HiddenRuns(repository)
        let unlisted = hidden.unlistedRunRefs(listed: listed, looseNames: looseNames).map(\.error)
        let runBranches = branchTips.filter { $0.key.hasPrefix("refs/heads/kanbots/issue-") }
        let orphans = hidden.orphanedBranches(branchTips: runBranches, readable: readable).map { run in
            var observation = RunObservation(
                branchTip: run.branchTip.hex, ahead: run.ahead, behind: nil, supervisor: .gone)
            observation.isOrphaned = true
            return (run.record, observation)
        }
        return (orphans, unlisted)
    }
}
