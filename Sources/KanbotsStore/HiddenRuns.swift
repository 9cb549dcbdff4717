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
        public var error: KanbotsError { .unreadableRef(ref: name, reason: reason) }
        /// The run the name stands for, when it is a run id at all.
        public var id: RunID? { RunID(String(name.dropFirst(KanbotsRepository.runsRefPrefix.count))) }
    }

    /// Loose run ref files that are not among `listed` (the names the ref
    /// listing returned) and still do not resolve: a ref created after the
    /// listing resolves and is left out, so a concurrent dispatch is never
    /// mistaken for damage.
    ///
    /// - Parameter looseNames: the run folder's file names, when the caller
    ///   has just read them (`RefsFingerprint`) and it holds no subfolder:
    ///   the folder is then not read again.
    public func unlistedRunRefs(listed: Set<String>, looseNames: [String]? = nil) -> [UnlistedRef] {
        var found: [UnlistedRef] = []
        let prefix = String(KanbotsRepository.runsRefPrefix.dropLast())
        let folder = repository.commonDirectory + "/" + prefix
        func visit(path: @autoclosure () -> String, name: String) {
            guard !listed.contains(name), !name.hasSuffix(".lock") else { return }
            let path = path()
            if let symbolic = try? repository.git.symbolicTarget(name) {
                found.append(UnlistedRef(name: name, path: path, reason: "a symbolic ref to \(symbolic), not a run record"))
            } else if (try? repository.git.referenceTarget(name)) == nil {
                found.append(UnlistedRef(name: name, path: path, reason: Self.describe(fileAt: path)))
            }
        }
        if let looseNames {
            for name in looseNames { visit(path: folder + "/" + name, name: prefix + "/" + name) }
        } else {
            Self.walk(folder, name: prefix) { visit(path: $0, name: $1) }
        }
        return found.sorted { $0.name < $1.name }
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

    /// What an unreadable ref file holds, in a few words.
    static func describe(fileAt path: String) -> String {
        guard let data = FileManager.default.contents(atPath: path) else { return "the ref file cannot be opened" }
        let text = String(decoding: data.prefix(64), as: UTF8.self)
            .trimmed()
            .map { $0.isASCII && !$0.isNewline && $0 != "\t" ? $0 : "?" }
        if text.isEmpty { return "the ref file is empty" }
        return "the ref file holds '\(String(text.prefix(40)))\(text.count > 40 ? "…" : "")', not a commit id"
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
