import CLibGit2

/// What `fsck` needs beyond everyday reads: object existence, and reflogs for
/// refs git would not log by default.
extension Repository {
    /// Whether the object database holds `id` (any type), without reading it.
    public func objectExists(_ id: ObjectID) throws -> Bool {
        var database: OpaquePointer?
        try check("open object database", git_repository_odb(&database, handle))
        defer { git_odb_free(database) }
        var oid = id.raw
        return git_odb_exists(database, &oid) == 1
    }

    /// Makes libgit2 (and git) keep a reflog for `name` from now on. Refs
    /// outside `refs/heads`, `refs/remotes` and `refs/notes` are only logged
    /// when their log file exists (`git update-ref --create-reflog`): the
    /// reflog is what `fsck --repair` rebuilds an unreadable ref from.
    public func ensureReflog(_ name: String) throws {
        try check("create reflog for \(name)", git_reference_ensure_log(handle, name))
    }
}
