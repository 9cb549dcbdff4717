import KanbotsCore
import KanbotsStore
import KanbotsSystem

/// Why a worktree's ignored files could not be brought along, with the fix, on one line.
public enum WorktreeIncludeError: ExplainedError, Sendable {
    case outsideRepository(line: Int, pattern: String)
    case linkTargetExists(String, worktree: String)
    /// Says "No space left on device", so `DiskSpace.isOutOfSpace` knows it.
    case outOfSpace(worktree: String, detail: String)
    case failed(worktree: String, detail: String)
    case git(String)
    case unreadable(String)

    /// The error `apply` throws for a failure met while bringing files.
    init(failure: Error, worktree: String) {
        if let known = failure as? WorktreeIncludeError {
            self = known
        } else if (failure as? FileCloningError)?.isOutOfSpace == true || DiskSpace.isOutOfSpace(failure) {
            self = .outOfSpace(worktree: worktree, detail: "\(failure)")
        } else {
            self = .failed(worktree: worktree, detail: "\(failure)")
        }
    }

    private static let rerun = "`git kanbots setup RUN` or dispatch again"

    public var description: String {
        switch self {
        case .outsideRepository(let line, let pattern):
            "\(WorktreeIncludes.fileName) line \(line): '\(pattern)' names a path outside the repository; "
                + "write patterns relative to its root, like .env or .venv/"
        case .linkTargetExists(let path, let worktree):
            "\(EnvironmentSettings.Key.link) '\(path)' cannot be linked: \(worktree)/\(path) already exists "
                + "(tracked?); remove it from \(EnvironmentSettings.Key.link) (git config --unset \(EnvironmentSettings.Key.link) '^\(path)$') "
                + "or stop tracking it"
        case .outOfSpace(let worktree, let detail):
            "\(String(cString: strerror(ENOSPC))) while bringing ignored files into \(worktree) (\(detail)); "
                + "nothing was left behind; free space, then \(Self.rerun)"
        case .failed(let worktree, let detail):
            "cannot bring ignored files into \(worktree) (\(detail)); nothing was left behind; fix that, then \(Self.rerun)"
        case .git(let complaint):
            "cannot list the files \(WorktreeIncludes.fileName) names (git: \(complaint)); check that `git status` works there"
        case .unreadable(let path):
            "cannot read \(path); make it readable or remove it"
        }
    }
}
