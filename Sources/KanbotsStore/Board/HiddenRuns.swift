import KanbotsCore
import KanbotsGit

/// Runs that listing refs would not show. libgit2's ref iterator skips a
/// loose ref file holding garbage without a word, and a run branch whose
/// record is lost has no ref to list at all. "No run is ever hidden": both
/// are found here, so `board`, `status` and `fsck` can name them.
public struct HiddenRuns {
    let repository: KanbotsRepository

    public init(_ repository: KanbotsRepository) { self.repository = repository }

    /// A file under `refs/kanbots/runs/` that git cannot read as a ref.
    public struct UnlistedRef: Sendable {
        public var name: String
        /// The loose ref file.
        public var path: String
        public var reason: String
        /// The value `packed-refs` still has for the name: stale, hidden by the loose file.
        public var packedTarget: ObjectID?
        public var error: KanbotsError { .unreadableRef(ref: name, reason: reason) }
        /// The run the name stands for, when it is a run id at all.
        public var id: RunID? { RunID(String(name.dropFirst(KanbotsRepository.runsRefPrefix.count))) }
    }

    /// Loose run ref files that are not among `listed` (the names the ref
    /// listing returned) and still do not resolve: a ref created after the
    /// listing resolves and is left out, so a concurrent dispatch is never
    /// mistaken for damage. A loose file that hides a packed value is one of
    /// these (`Repository.referenceListing` leaves it out): git reads the
    /// loose file, not the stale packed line.
    ///
    /// - Parameter looseNames: the run folder's file names, when the caller
    ///   has just read them (`RefsFingerprint`) and it holds no subfolder:
    ///   the folder is then not read again.
    public func unlistedRunRefs(listed: Set<String>, looseNames: [String]? = nil) -> [UnlistedRef] {
        let prefix = String(KanbotsRepository.runsRefPrefix.dropLast())
        var candidates: [String] = []
        if let looseNames {
            candidates = looseNames.map { prefix + "/" + $0 }
        } else {
            Self.walk(repository.commonDirectory + "/" + prefix, name: prefix) { candidates.append($1) }
        }
        candidates.removeAll { listed.contains($0) || $0.hasSuffix(".lock") }
        guard !candidates.isEmpty else { return [] }
        let git = repository.git
        let broken = Dictionary(git.unreadableLooseReferences(candidates).map { ($0.name, $0) },
                                uniquingKeysWith: { first, _ in first })
        return candidates.sorted().compactMap { name in
            if let loose = broken[name] {
                return UnlistedRef(name: name, path: loose.path, reason: loose.reason(in: git), packedTarget: loose.packedTarget)
            }
            guard let symbolic = try? git.symbolicTarget(name) else { return nil }
            return UnlistedRef(name: name, path: repository.commonDirectory + "/" + name,
                               reason: "a symbolic ref to \(symbolic), not a run record")
        }
    }

    /// Run branches (`kanbots/issue-<card>-<run id>`) whose run has no
    /// readable record, rebuilt as far as the branch and its notes allow.
    /// A run whose ref appeared after `readable` was read is not an orphan.
    public func orphanedBranches(branchTips: [String: ObjectID], readable: Set<RunID>) -> [RecoveredRun] {
        let recovery = RunRecovery(repository)
        let store = RunStore(repository)
        return branchTips.sorted { $0.key < $1.key }.compactMap { ref, tip in
            let branch = String(ref.dropFirst("refs/heads/".count))
            guard let (_, id) = RunRecord.parseName(branch), !readable.contains(id),
                  (try? store.record(id)) == nil else { return nil }
            return try? recovery.recover(branch: branch, tip: tip)
        }
    }

    /// Every regular file below `folder`, with its ref name. Uses `readdir`'s
    /// file type, so ten thousand loose refs cost one directory read, not
    /// ten thousand `stat`s.
    static func walk(_ folder: String, name: String, _ visit: (_ path: String, _ name: String) -> Void) {
        guard let directory = opendir(folder) else { return }
        defer { closedir(directory) }
        while let entry = readdir(directory) {
            let entryName = withUnsafePointer(to: entry.pointee.d_name) {
                $0.withMemoryRebound(to: CChar.self, capacity: Int(NAME_MAX) + 1) { String(cString: $0) }
            }
            if entryName == "." || entryName == ".." { continue }
            let path = folder + "/" + entryName
            var isFolder = Int32(entry.pointee.d_type) == Int32(DT_DIR)
            if Int32(entry.pointee.d_type) == Int32(DT_UNKNOWN) {
                var info = stat()
                isFolder = stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR
            }
            if isFolder {
                walk(path, name: name + "/" + entryName, visit)
            } else {
                visit(path, name + "/" + entryName)
            }
        }
    }
}

/// A run traced from its branch alone (its record is missing or unreadable).
public struct RecoveredRun: Sendable {
    /// What the branch and its notes say; `Reason: recovered`.
    public var record: RunRecord
    public var branchTip: ObjectID
    /// Commits on the branch after the run's base: its work.
    public var ahead: Int
}
