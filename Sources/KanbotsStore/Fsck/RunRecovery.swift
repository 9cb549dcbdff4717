import KanbotsCore
import KanbotsGit

/// Rebuilds what is known about a run whose record cannot be read, from the
/// two places that still remember it (docs/state-format.md, "Checking and
/// repairing"): the ref's reflog, and the run's branch with its notes.
public struct RunRecovery {
    let repository: KanbotsRepository
    var git: Repository { repository.git }

    public init(_ repository: KanbotsRepository) { self.repository = repository }

    public static let reason = "recovered"
    /// Set on a record rebuilt from a branch: `branch` (docs/state-format.md).
    public static let recoveredFromKey = "Recovered-From"

    /// The newest commit the ref's reflog names that still holds a readable
    /// record of this very run, or nil.
    public func lastGoodRecord(of id: RunID) -> (commit: ObjectID, record: RunRecord)? {
        for commit in git.reflogTargets(RunStore.ref(id)) {
            if let record = readableRecord(of: id, at: commit) { return (commit, record) }
        }
        return nil
    }

    /// The record of run `id` at `commit`, when it is one.
    func readableRecord(of id: RunID, at commit: ObjectID) -> RunRecord? {
        guard let message = try? git.commitMessage(commit), let record = try? RunRecord(parsing: message),
              record.id == id else { return nil }
        return record
    }

    /// What the run's branch says: its card and id (from the name), its base
    /// (where it leaves the default base), its agent and model (from the
    /// `refs/notes/kanbots` note or the `Kanbots-Run:` trailer of its
    /// commits), and whether it did any work. State `completed` when the
    /// branch has commits of its own, `failed` when not; reason `recovered`.
    public func recover(branch: String, tip: ObjectID) throws -> RecoveredRun? {
        guard let (card, id) = RunRecord.parseName(branch) else { return nil }
        let baseName = (try? Settings(repository).defaultBase()) ?? "HEAD"
        let baseTip = try git.resolveCommit(baseName)
        let baseCommit = try baseTip.flatMap { try git.mergeBase(tip, $0) } ?? tip
        let work = try git.commits(from: tip, excluding: baseCommit)
        var agent: String?, model: String?
        var ownCommits: [CommitInfo] = []
        for commitID in work.prefix(1000) {
            let commit = try git.commit(commitID)
            let note = try git.note(on: commitID, notesRef: KanbotsRepository.notesRef) ?? ""
            let noted = note.split(separator: "\n").first { $0.hasPrefix("kanbots-run: \(id) ") }
            if let noted {
                agent = agent ?? Self.value(of: "agent", in: noted)
                model = model ?? Self.value(of: "model", in: noted).flatMap { $0 == "default" ? nil : $0 }
            }
            if noted != nil || commit.message.contains("Kanbots-Run: \(id)") { ownCommits.append(commit) }
        }
        let tipTime = try git.commit(tip).time
        let oldest = try ownCommits.last ?? work.last.map { try git.commit($0) }
        let created = oldest?.time ?? tipTime
        var record = RunRecord(
            id: id, card: card, agent: agent ?? "unknown", model: model, branch: branch,
            worktree: KanbotsRepository.worktreesFolder + "/" + RunRecord.worktreeName(card: card, id: id),
            base: baseName, baseCommit: baseCommit.hex, createdAt: created, host: "",
            uuid: UUID().uuidString.lowercased())
        record.state = work.isEmpty ? .failed : .completed
        record.reason = Self.reason
        record.endedAt = tipTime
        record.updatedAt = tipTime
        record.setExtra(Self.recoveredFromKey, "branch")
        return RecoveredRun(record: record, branchTip: tip, ahead: work.count)
    }

    private static func value(of key: String, in line: Substring) -> String? {
        line.split(separator: " ").first { $0.hasPrefix(key + "=") }.map { String($0.dropFirst(key.count + 1)) }
    }
}
