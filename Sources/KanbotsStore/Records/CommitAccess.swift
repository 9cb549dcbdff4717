import KanbotsCore
import KanbotsSystem

/// The git data an agent must be able to write to commit on its own branch
/// from its run's linked worktree, and nothing more. Agent sandboxes (Codex's
/// `workspace-write`, bubblewrap) open exactly these folders for writing.
///
/// `git commit` in a linked worktree writes:
/// - its index, `HEAD` log, `COMMIT_EDITMSG` and `ORIG_HEAD` in
///   `.git/worktrees/<name>/`;
/// - new objects (and their fan-out folders) under `.git/objects/`;
/// - the branch through a lock file beside it, so the folder holding it,
///   `.git/refs/heads/kanbots/`;
/// - the branch's reflog in `.git/logs/refs/heads/kanbots/`.
///
/// It never needs `packed-refs` (updating a ref writes a loose one; only
/// deleting a packed ref would lock `packed-refs`), `config`, other refs or
/// other worktrees' folders. Branch names share the `kanbots/` folder, so a
/// confined agent could still move another run's branch with plumbing; it
/// cannot touch another run's files or the main checkout.
public struct CommitAccess: Sendable, Equatable {
    /// Absolute folders, each existing once `prepare()` has run.
    public var writableFolders: [String]

    public init(repository: KanbotsRepository, record: RunRecord) {
        let common = repository.commonDirectory
        let branchFolder = PathName.parent(of: record.branch)
        let refsFolder = branchFolder.isEmpty ? "refs/heads" : "refs/heads/" + branchFolder
        writableFolders = [
            common + "/worktrees/" + record.worktreeRegistration,
            common + "/objects",
            common + "/" + refsFolder,
            common + "/logs/" + refsFolder,
        ]
    }

    /// Creates the folders that do not exist yet (a fresh repository has no
    /// reflog folder for `kanbots/`), since a sandbox can only open what exists.
    public func prepare() throws {
        for folder in writableFolders {
            do {
                try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            } catch {
                throw KanbotsError.io("cannot create \(folder) for the agent's commits: \(error)")
            }
        }
    }
}
