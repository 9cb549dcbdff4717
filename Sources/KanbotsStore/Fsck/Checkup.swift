import KanbotsCore
import KanbotsGit

/// `git kanbots fsck`: finds what would otherwise hide a run or mislead the
/// board, each with the one-line fix. Reads only; `CheckupRepair` acts.
/// Reads records straight from git (never the record cache), so a commit
/// that is gone from the object database is found even when a cache still
/// remembers it.
public struct Checkup {
    let repository: KanbotsRepository
    var git: Repository { repository.git }

    public init(_ repository: KanbotsRepository) { self.repository = repository }

    public struct Finding: Sendable, Equatable {
        public enum Kind: String, Sendable {
            case unreadableRef = "unreadable_ref"
            case orphanedBranch = "orphaned_branch"
            case worktreeWithoutRun = "worktree_without_run"
            case missingWorktree = "missing_worktree"
            case danglingNote = "dangling_note"
        }

        public var kind: Kind
        /// The ref, branch, folder or commit the finding is about.
        public var subject: String
        public var run: RunID?
        public var detail: String
        /// One line: what to run to fix it.
        public var fix: String
    }

    /// Everything `fsck` checks, in a stable order.
    public func findings() throws -> [Finding] {
        let (readable, refFindings) = try runRefs()
        let branches = Dictionary(
            try git.references(matching: "refs/heads/kanbots/issue-*").map { ($0.name, $0.target) },
            uniquingKeysWith: { first, _ in first })
        let orphans = orphanedBranches(branches, readable: readable)
        return refFindings + (try unreadableSharedRefs()) + orphans + (try worktrees(readable: readable, orphans: orphans))
            + (try danglingNotes())
    }

    /// Card refs and the notes ref whose loose file git cannot read; a
    /// packed value behind one is stale and is not read in its place.
    func unreadableSharedRefs() throws -> [Finding] {
        let cards = try git.referenceListing(under: KanbotsRepository.cardsRefPrefix).unreadable
        return (cards + git.unreadableLooseReferences([KanbotsRepository.notesRef])).map { loose in
            let fix: String
            if let last = git.reflogTargets(loose.name).first(where: { (try? git.objectExists($0)) == true }) {
                fix = "`git kanbots fsck --repair` points it back at \(last.short), the last entry of its reflog"
            } else if let packed = loose.packedTarget {
                fix = "`git kanbots fsck --repair` falls back to its packed value \(git.describeCommit(packed)) "
                    + "(its reflog is empty; later changes are lost)"
            } else {
                fix = "no reflog and no packed value: look with `git reflog show \(loose.name)`, then `git update-ref \(loose.name) COMMIT`"
            }
            return Finding(kind: .unreadableRef, subject: loose.name, run: nil, detail: loose.reason(in: git), fix: fix)
        }
    }

    /// Every run ref that cannot be read, and the records of those that can.
    func runRefs() throws -> (readable: [RunRecord], findings: [Finding]) {
        var readable: [RunRecord] = []
        var findings: [Finding] = []
        let listed = try RunStore(repository).allIDs()
        for (id, ref, tip) in listed {
            guard let id else {
                findings.append(Finding(
                    kind: .unreadableRef, subject: ref, run: nil, detail: "its name is not a run id (<number>-<clone>)",
                    fix: "rename it (`git update-ref refs/kanbots/runs/<n>-<clone> \(tip.short)`), then `git update-ref -d \(ref)`"))
                continue
            }
            switch readRecord(id, at: tip) {
            case .record(let record): readable.append(record)
            case .problem(let problem): findings.append(unreadable(ref, id: id, problem))
            }
        }
        let unlisted = HiddenRuns(repository).unlistedRunRefs(listed: Set(listed.map(\.ref)))
        for ref in unlisted {
            guard let id = ref.id else {
                findings.append(Finding(
                    kind: .unreadableRef, subject: ref.name, run: nil, detail: ref.reason,
                    fix: "its name is not a run id either: move \(ref.path) out of .git/refs"))
                continue
            }
            findings.append(unreadable(ref.name, id: id, ref.reason, packed: ref.packedTarget))
        }
        return (readable, findings)
    }

    private enum ReadOutcome {
        case record(RunRecord)
        case problem(String)
    }

    private func readRecord(_ id: RunID, at tip: ObjectID) -> ReadOutcome {
        guard (try? git.objectExists(tip)) == true else {
            return .problem("it points at \(tip.short), which is not in the object database")
        }
        guard let message = try? git.commitMessage(tip) else { return .problem("it points at \(tip.short), which is not a commit") }
        do {
            let record = try RunRecord(parsing: message)
            guard record.id == id else { return .problem("the record at \(tip.short) is run \(record.id)'s") }
            return .record(record)
        } catch {
            return .problem("the record at \(tip.short) does not parse: \(error)")
        }
    }

    private func unreadable(_ ref: String, id: RunID, _ detail: String, packed: ObjectID? = nil) -> Finding {
        let recovery = RunRecovery(repository)
        let fix: String
        if let good = recovery.lastGoodRecord(of: id) {
            fix = "`git kanbots fsck --repair` points it back at \(good.commit.short), its last good record (reflog)"
        } else if let packed, recovery.readableRecord(of: id, at: packed) != nil {
            fix = "`git kanbots fsck --repair` falls back to its packed value \(git.describeCommit(packed)) "
                + "(its reflog has no good record; later transitions are lost)"
        } else if let branch = branch(of: id) {
            fix = "`git kanbots fsck --repair` rebuilds its record from branch \(branch.name)"
        } else {
            fix = "no good record in its reflog and no branch: look with `git log -g \(ref)`, then `git update-ref \(ref) COMMIT`"
        }
        return Finding(kind: .unreadableRef, subject: ref, run: id, detail: detail, fix: fix)
    }

    /// The run's branch, found by the run id its name ends with.
    func branch(of id: RunID) -> (name: String, tip: ObjectID)? {
        let matches = (try? git.references(matching: "refs/heads/kanbots/issue-*-\(id)")) ?? []
        return matches.first.map { (String($0.name.dropFirst("refs/heads/".count)), $0.target) }
    }

    private func orphanedBranches(_ branches: [String: ObjectID], readable: [RunRecord]) -> [Finding] {
        let known = Set(readable.map(\.id))
        return branches.keys.sorted().compactMap { ref in
            let name = String(ref.dropFirst("refs/heads/".count))
            guard let (_, id) = RunRecord.parseName(name), !known.contains(id) else { return nil }
            let refExists = (try? git.referenceTarget(RunStore.ref(id))) != nil
                || FileManager.default.fileExists(atPath: repository.commonDirectory + "/" + RunStore.ref(id))
            return Finding(
                kind: .orphanedBranch, subject: name, run: id,
                detail: refExists ? "its run record is unreadable" : "it has no run record (refs/kanbots/runs/\(id) is missing)",
                fix: "`git kanbots fsck --repair` writes a record rebuilt from the branch and its notes")
        }
    }

    /// Folders under `.kanbots/worktrees/` no run owns, and active runs of
    /// this clone whose folder is gone.
    private func worktrees(readable: [RunRecord], orphans: [Finding]) throws -> [Finding] {
        var findings: [Finding] = []
        let owned = Set(readable.map(\.worktreeRegistration))
        let orphaned = Set(orphans.compactMap(\.run))
        let folder = repository.absolutePath(KanbotsRepository.worktreesFolder)
        let registered = Set(try git.worktreeNames())
        let present = Set((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? [])
        for name in present.union(registered.filter { RunRecord.parseName($0) != nil }).sorted()
        where !owned.contains(name) && !(RunRecord.parseName(name).map { orphaned.contains($0.id) } ?? false) {
            let path = KanbotsRepository.worktreesFolder + "/" + name
            findings.append(Finding(
                kind: .worktreeWithoutRun, subject: path, run: RunRecord.parseName(name)?.id,
                detail: present.contains(name) ? "no run record names this worktree" : "git still registers it, but no run owns it",
                fix: "copy out anything you need, then `git kanbots gc` removes it"))
        }
        let clone = Settings(repository).string(Settings.Key.clone).flatMap(CloneTag.init)
        // A queued run gets its worktree a moment after its record: not a finding.
        for record in readable where record.state.isActive && record.state != .queued && record.id.clone == clone
            && (record.host.isEmpty || record.host == KanbotsRepository.hostName)
            && !FileManager.default.fileExists(atPath: repository.absolutePath(record.worktree)) {
            findings.append(Finding(
                kind: .missingWorktree, subject: record.worktree, run: record.id,
                detail: "run \(record.id) is \(record.state.rawValue) but its worktree is gone",
                fix: "`git kanbots stop \(record.id)` ends it (or `git kanbots reconcile` once its supervisor is gone)"))
        }
        return findings
    }

    /// Notes under `refs/notes/kanbots` on commits that do not exist.
    private func danglingNotes() throws -> [Finding] {
        // An unreadable notes ref is a finding of its own (`unreadableSharedRefs`).
        guard git.unreadableReason(KanbotsRepository.notesRef) == nil,
              let tip = try git.referenceTarget(KanbotsRepository.notesRef) else { return [] }
        return try git.notes(inCommit: tip).keys.sorted().filter { !(try git.objectExists($0)) }.map { commit in
            Finding(
                kind: .danglingNote, subject: commit.hex, run: nil,
                detail: "a note in \(KanbotsRepository.notesRef) is on a commit that does not exist",
                fix: "`git notes --ref=kanbots prune` removes notes on missing commits")
        }
    }
}
