import KanbotsCore
import KanbotsGit

/// The repository a command works on, always seen from its main working tree
/// (so a command run inside a run's worktree acts on the main repository),
/// with the places git-kanbots keeps things.
public final class KanbotsRepository {
    public let git: Repository
    /// The main working tree.
    public let workingDirectory: String
    /// Where refs and objects live (`.git` of the main working tree).
    public let commonDirectory: String
    /// Machine-local state that must not be shared: locks, live transcripts,
    /// supervisor logs, caches. Everything here can be rebuilt from refs or
    /// is only meaningful while a process runs.
    public let stateDirectory: String

    public static let runsRefPrefix = "refs/kanbots/runs/"
    public static let cardsRefPrefix = "refs/kanbots/cards/"
    public static let notesRef = "refs/notes/kanbots"
    public static let worktreesFolder = ".kanbots/worktrees"

    /// Opens the repository containing `path`.
    public init(discoveringFrom path: String) throws {
        guard let found = try Repository.discover(from: path) else { throw KanbotsError.notARepository(path) }
        if found.isBare { throw KanbotsError.bareRepository(found.gitDirectory) }
        git = found.isLinkedWorktree ? try found.mainRepository() : found
        guard let workingDirectory = git.workingDirectory else { throw KanbotsError.bareRepository(git.gitDirectory) }
        self.workingDirectory = workingDirectory
        commonDirectory = git.commonDirectory
        stateDirectory = commonDirectory + "/kanbots"
        try FileManager.default.createDirectory(atPath: stateDirectory, withIntermediateDirectories: true)
    }

    /// Opens the same repository again: libgit2 handles are per thread.
    public func reopened() throws -> KanbotsRepository {
        try KanbotsRepository(discoveringFrom: workingDirectory)
    }

    public func runDirectory(_ id: RunID) -> String { stateDirectory + "/runs/\(id)" }
    public func supervisorLockPath(_ id: RunID) -> String { runDirectory(id) + "/supervisor.lock" }
    public func transcriptPath(_ id: RunID) -> String { runDirectory(id) + "/transcript.ndjson" }
    public func absolutePath(_ relative: String) -> String {
        relative.hasPrefix("/") ? relative : workingDirectory + "/" + relative
    }

    public var metadataLock: MetadataLock { MetadataLock(stateDirectory: stateDirectory) }

    /// The host name recorded with runs, so liveness is only probed where the
    /// supervisor actually runs.
    public static let hostName: String = ProcessInfo.processInfo.hostName
}
