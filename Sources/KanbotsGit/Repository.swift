import CLibGit2


/// An open git repository (or one of its worktrees).
///
/// Not thread-safe: use one instance per thread, as libgit2 requires.
public final class Repository {
    let handle: OpaquePointer

    private init(handle: OpaquePointer) {
        self.handle = handle
    }

    deinit { git_repository_free(handle) }

    /// Opens the repository at `path` exactly (no upward search).
    public static func open(at path: String) throws -> Repository {
        _ = libgit2Initialized
        var pointer: OpaquePointer?
        try check("open \(path)", git_repository_open_ext(&pointer, path, GIT_REPOSITORY_OPEN_NO_SEARCH.rawValue, nil))
        return Repository(handle: pointer!)
    }

    /// Finds the repository containing `path`, searching upward like git does.
    /// Returns nil when `path` is not inside any repository.
    public static func discover(from path: String) throws -> Repository? {
        _ = libgit2Initialized
        var buffer = git_buf()
        defer { git_buf_dispose(&buffer) }
        let result = git_repository_discover(&buffer, path, 0, nil)
        if result == GIT_ENOTFOUND.rawValue { return nil }
        try check("discover \(path)", result)
        var pointer: OpaquePointer?
        try check("open \(path)", git_repository_open(&pointer, buffer.ptr))
        return Repository(handle: pointer!)
    }

    /// The `.git` folder of this checkout (for a linked worktree, its own
    /// folder under `.git/worktrees/`).
    public var gitDirectory: String { Self.trimmedPath(git_repository_path(handle)) }

    /// The folder shared by all worktrees: where refs and objects live.
    public var commonDirectory: String { Self.trimmedPath(git_repository_commondir(handle)) }

    /// The working tree, or nil for a bare repository.
    public var workingDirectory: String? {
        guard let path = git_repository_workdir(handle) else { return nil }
        return Self.trimmedPath(path)
    }

    public var isBare: Bool { git_repository_is_bare(handle) == 1 }
    public var isLinkedWorktree: Bool { git_repository_is_worktree(handle) == 1 }
    public var isHeadDetached: Bool { git_repository_head_detached(handle) == 1 }

    /// Opens the main working tree that owns this repository's common folder.
    /// (libgit2's `git_repository_open_from_worktree` opens the linked
    /// worktree itself, so open the common folder instead.)
    public func mainRepository() throws -> Repository {
        guard isLinkedWorktree else { return try Repository.open(at: workingDirectory ?? gitDirectory) }
        return try Repository.open(at: commonDirectory)
    }

    static func trimmedPath(_ pointer: UnsafePointer<CChar>?) -> String {
        guard let pointer else { return "" }
        var path = String(cString: pointer)
        while path.count > 1, path.hasSuffix("/") { path.removeLast() }
        return path
    }
}

/// A name and e-mail used for commits, taken from git config like git does.
public struct Signature: Sendable {
    public var name: String
    public var email: String
    public var date: Date

    public init(name: String, email: String, date: Date = Date()) {
        self.name = name
        self.email = email
        self.date = date
    }

    func withRaw<T>(_ body: (UnsafeMutablePointer<git_signature>) throws -> T) throws -> T {
        var pointer: UnsafeMutablePointer<git_signature>?
        let seconds = git_time_t(date.timeIntervalSince1970.rounded(.down))
        try check("signature", git_signature_new(&pointer, name, email, seconds, 0))
        defer { git_signature_free(pointer) }
        return try body(pointer!)
    }
}
