import KanbotsCore
import KanbotsGit

/// `git kanbots fsck --repair`: gives every run whose record cannot be read
/// a readable one again, and never deletes anything (docs/state-format.md,
/// "Checking and repairing"):
///
/// 1. A run ref with a good record in its reflog points back at the newest one.
///    (A card or notes ref: at its reflog's last entry.)
/// 2. Failing that, a loose ref file that does not parse but hides a packed
///    value with a good record is moved aside, so the packed value shows
///    again: older, said so, but the ref's own.
/// 3. Failing that, a run with a branch gets a record rebuilt from the branch
///    and its notes: a new commit, state `completed` (the branch has work) or
///    `failed`, reason `recovered`; on top of the unreadable commit if the ref
///    still names one, so that commit stays in the history.
/// 4. A loose ref file git cannot parse is moved to `.git/kanbots/fsck/`
///    before the ref is written again: kept, not overwritten.
///
/// Anything else (stray worktrees, dangling notes) is only reported.
public struct CheckupRepair {
    let repository: KanbotsRepository
    var git: Repository { repository.git }

    public init(_ repository: KanbotsRepository) { self.repository = repository }

    public struct Action: Sendable, Equatable {
        public var subject: String
        public var run: RunID?
        /// What was done, or why nothing was.
        public var description: String
        public var repaired: Bool
    }

    public func repair(_ findings: [Checkup.Finding]) -> [Action] {
        var actions: [Action] = []
        var handled = Set<RunID>()
        for finding in findings {
            switch finding.kind {
            case .unreadableRef, .orphanedBranch:
                guard let id = finding.run else {
                    actions.append(isSharedRef(finding.subject) ? restoreSharedRef(finding.subject)
                        : Action(subject: finding.subject, run: nil, description: "left alone: \(finding.fix)", repaired: false))
                    continue
                }
                guard handled.insert(id).inserted else { continue }
                actions.append(repairRun(id, subject: finding.subject))
            case .worktreeWithoutRun, .missingWorktree, .danglingNote:
                actions.append(Action(subject: finding.subject, run: finding.run,
                                      description: "left alone (fsck never deletes): \(finding.fix)", repaired: false))
            }
        }
        return actions
    }

    private func repairRun(_ id: RunID, subject: String) -> Action {
        let ref = RunStore.ref(id)
        let recovery = RunRecovery(repository)
        do {
            if let good = recovery.lastGoodRecord(of: id) {
                let saved = try moveAsideUnreadableFile(of: ref)
                try git.updateReference(ref, to: good.commit, expecting: try currentTarget(ref),
                                        message: "kanbots fsck: restore the last good record")
                return Action(subject: ref, run: id, description: "pointed \(ref) back at \(good.commit.short), its last good "
                              + "record (\(good.record.state.rawValue)), from the reflog" + savedNote(saved), repaired: true)
            }
            if let packed = git.unreadableLooseReferences([ref]).first?.packedTarget,
               let record = recovery.readableRecord(of: id, at: packed) {
                // With the loose file moved aside, git reads the packed line again.
                let saved = try moveAsideUnreadableFile(of: ref)
                return Action(subject: ref, run: id, description: "no good record in the reflog of \(ref): fell back to its "
                              + "packed value \(packed.short) (\(record.state.rawValue)) \(git.describeCommit(packed)); "
                              + "later transitions are lost" + savedNote(saved), repaired: true)
            }
            guard let branch = Checkup(repository).branch(of: id),
                  let recovered = try recovery.recover(branch: branch.name, tip: branch.tip) else {
                return Action(subject: subject, run: id, description: "not repaired: no good record in the reflog of \(ref) "
                              + "and no branch to rebuild it from", repaired: false)
            }
            let saved = try moveAsideUnreadableFile(of: ref)
            let current = try currentTarget(ref)
            // On top of a commit the ref still names, keeping it and its attachments in the history.
            let parent = current.flatMap { try? git.commit($0) }
            let commit = try git.createCommit(
                tree: try parent?.tree ?? git.writeTree([]), parents: parent.map { [$0.id] } ?? [],
                message: recovered.record.message.text,
                signature: git.defaultSignature())
            try git.ensureReflog(ref)
            try git.updateReference(ref, to: commit, expecting: current, message: "kanbots fsck: rebuild from branch")
            return Action(subject: ref, run: id, description: "wrote a record rebuilt from branch \(branch.name) "
                          + "(\(recovered.record.state.rawValue), reason \(RunRecovery.reason), agent \(recovered.record.agent))"
                          + savedNote(saved), repaired: true)
        } catch {
            return Action(subject: ref, run: id, description: "not repaired: \(error)", repaired: false)
        }
    }

    /// A card ref or the notes ref: shared state with no branch to rebuild it from.
    private func isSharedRef(_ ref: String) -> Bool {
        ref.hasPrefix(KanbotsRepository.cardsRefPrefix) || ref == KanbotsRepository.notesRef
    }

    /// Points a card or notes ref whose loose file git cannot read back at
    /// the last entry of its reflog (an existing object), else lets its
    /// packed value show again, saying so. The loose file is kept.
    private func restoreSharedRef(_ ref: String) -> Action {
        guard let loose = git.unreadableLooseReferences([ref]).first else {
            return Action(subject: ref, run: nil, description: "already readable", repaired: true)
        }
        do {
            if let last = git.reflogTargets(ref).first(where: { (try? git.objectExists($0)) == true }) {
                let saved = try moveAsideUnreadableFile(of: ref)
                try git.updateReference(ref, to: last, expecting: try currentTarget(ref),
                                        message: "kanbots fsck: restore the last reflog entry")
                return Action(subject: ref, run: nil, description: "pointed \(ref) back at \(last.short), the last entry "
                              + "of its reflog" + savedNote(saved), repaired: true)
            }
            guard let packed = loose.packedTarget else {
                return Action(subject: ref, run: nil, description: "not repaired: no reflog and no packed value; look with "
                              + "`git reflog show \(ref)`, then `git update-ref \(ref) COMMIT`", repaired: false)
            }
            let saved = try moveAsideUnreadableFile(of: ref)
            return Action(subject: ref, run: nil, description: "its reflog is empty: fell back to its packed value "
                          + "\(packed.short) \(git.describeCommit(packed)); later changes are lost" + savedNote(saved),
                          repaired: true)
        } catch {
            return Action(subject: ref, run: nil, description: "not repaired: \(error)", repaired: false)
        }
    }

    /// What the ref points at now, or nil when it does not exist (or its file
    /// was just moved aside).
    private func currentTarget(_ ref: String) throws -> ObjectID? { try git.referenceTarget(ref) }

    /// Moves a loose ref file git cannot parse to `.git/kanbots/fsck/`, so
    /// the ref can be written again without losing what it held.
    private func moveAsideUnreadableFile(of ref: String) throws -> String? {
        let path = repository.commonDirectory + "/" + ref
        guard FileManager.default.fileExists(atPath: path), (try? git.referenceTarget(ref)) == nil else { return nil }
        let folder = repository.stateDirectory + "/fsck"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let stamp = Timestamp.format(Date()).replacing(":", with: "")
        let target = folder + "/" + ref.replacing("/", with: "_") + "-" + stamp
        guard rename(path, target) == 0 else {
            throw KanbotsError.io("cannot move \(path) aside: \(String(cString: strerror(errno)))")
        }
        return target
    }

    private func savedNote(_ saved: String?) -> String {
        saved.map { "; the unreadable ref file was kept as \($0)" } ?? ""
    }
}
