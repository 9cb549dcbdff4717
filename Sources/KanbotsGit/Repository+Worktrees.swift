import CLibGit2

extension Repository {
    /// Registers a linked worktree `name` at `path` whose HEAD is the existing
    /// branch `branchRef`, without checking files out (see `checkOutHead`).
    ///
    /// Splitting registration from checkout lets callers hold their metadata
    /// lock for milliseconds and run the slow checkout in parallel.
    public func addWorktree(name: String, path: String, branchRef: String) throws {
        var reference: OpaquePointer?
        try check("read branch \(branchRef)", git_reference_lookup(&reference, handle, branchRef))
        defer { git_reference_free(reference) }
        var options = git_worktree_add_options()
        try check("worktree options", git_worktree_add_options_init(&options, UInt32(GIT_WORKTREE_ADD_OPTIONS_VERSION)))
        options.ref = reference
        options.checkout_options.checkout_strategy = GIT_CHECKOUT_NONE.rawValue
        var worktree: OpaquePointer?
        try check("add worktree \(name)", git_worktree_add(&worktree, handle, name, path, &options))
        git_worktree_free(worktree)
    }

    /// Names of the linked worktrees registered under `.git/worktrees/`,
    /// including half-written registrations libgit2 would not list.
    public func worktreeNames() throws -> [String] {
        let folder = commonDirectory + "/worktrees"
        return ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).sorted()
    }

    /// Where a linked worktree's files are, or nil if it is not registered.
    public func worktreePath(_ name: String) throws -> String? {
        var worktree: OpaquePointer?
        let result = git_worktree_lookup(&worktree, handle, name)
        if result == GIT_ENOTFOUND.rawValue { return nil }
        try check("read worktree \(name)", result)
        defer { git_worktree_free(worktree) }
        return Repository.trimmedPath(git_worktree_path(worktree))
    }

    /// Forgets a linked worktree's metadata (its files must already be gone,
    /// or `removeFiles` set). A registration that a killed process left half
    /// written, which libgit2 cannot even open, is removed by hand, as
    /// `git worktree prune` would.
    public func pruneWorktree(_ name: String, removeFiles: Bool) throws {
        var worktree: OpaquePointer?
        let result = git_worktree_lookup(&worktree, handle, name)
        if result == GIT_ENOTFOUND.rawValue { return removeRegistration(name) }
        guard result == 0 else { return removeRegistration(name) }
        defer { git_worktree_free(worktree) }
        var options = git_worktree_prune_options()
        try check("prune options", git_worktree_prune_options_init(&options, UInt32(GIT_WORKTREE_PRUNE_OPTIONS_VERSION)))
        var flags = GIT_WORKTREE_PRUNE_VALID.rawValue | GIT_WORKTREE_PRUNE_LOCKED.rawValue
        if removeFiles { flags |= GIT_WORKTREE_PRUNE_WORKING_TREE.rawValue }
        options.flags = flags
        if git_worktree_prune(worktree, &options) < 0 { removeRegistration(name) }
    }

    private func removeRegistration(_ name: String) {
        guard !name.isEmpty, !name.contains("/"), name != ".", name != ".." else { return }
        try? FileManager.default.removeItem(atPath: commonDirectory + "/worktrees/" + name)
    }

    /// Whether the worktree's metadata is intact and its folder still exists.
    public func isWorktreeValid(_ name: String) throws -> Bool {
        var worktree: OpaquePointer?
        guard git_worktree_lookup(&worktree, handle, name) == 0 else { return false }
        defer { git_worktree_free(worktree) }
        return git_worktree_validate(worktree) == 0
    }

    /// Writes HEAD's tree into the working directory and index, overwriting
    /// whatever is there: used on a freshly registered, empty worktree.
    public func checkOutHead() throws {
        var options = git_checkout_options()
        try check("checkout options", git_checkout_options_init(&options, UInt32(GIT_CHECKOUT_OPTIONS_VERSION)))
        options.checkout_strategy = GIT_CHECKOUT_FORCE.rawValue | GIT_CHECKOUT_RECREATE_MISSING.rawValue
        try check("checkout", git_checkout_head(handle, &options))
    }
}

extension Repository {
    /// Moves this checkout to `commit`, detached, writing only the files
    /// that differ from what the index has (an incremental checkout): how a
    /// prepared worktree follows its base without being checked out afresh.
    public func checkOutDetached(_ commit: ObjectID) throws {
        var oid = commit.raw
        var object: OpaquePointer?
        try check("read commit \(commit.short)", git_object_lookup(&object, handle, &oid, GIT_OBJECT_COMMIT))
        defer { git_object_free(object) }
        var options = git_checkout_options()
        try check("checkout options", git_checkout_options_init(&options, UInt32(GIT_CHECKOUT_OPTIONS_VERSION)))
        options.checkout_strategy = GIT_CHECKOUT_FORCE.rawValue | GIT_CHECKOUT_RECREATE_MISSING.rawValue
            | GIT_CHECKOUT_REMOVE_UNTRACKED.rawValue
        try check("checkout \(commit.short)", git_checkout_tree(handle, object, &options))
        try check("detach HEAD at \(commit.short)", git_repository_set_head_detached(handle, &oid))
    }
}
