import CLibGit2

extension Repository {
    /// Moves the checked-out branch of this working tree to `target`: writes
    /// the files that differ between HEAD and `target` (refusing, like `git
    /// merge --ff-only`, when that would overwrite local changes), then swaps
    /// the branch from `expected` to `target`. If the swap loses a race, the
    /// files are put back.
    public func advanceCheckedOutBranch(_ branchRef: String, from expected: ObjectID, to target: ObjectID,
                                        message: String) throws {
        try checkOut(tree: try commit(target).tree)
        do {
            try updateReference(branchRef, to: target, expecting: expected, message: message)
        } catch {
            try? checkOut(tree: try commit(expected).tree)
            throw error
        }
    }

    private func checkOut(tree id: ObjectID) throws {
        var object: OpaquePointer?
        var oid = id.raw
        try check("read tree \(id.short)", git_object_lookup(&object, handle, &oid, GIT_OBJECT_TREE))
        defer { git_object_free(object) }
        var options = git_checkout_options()
        try check("checkout options", git_checkout_options_init(&options, UInt32(GIT_CHECKOUT_OPTIONS_VERSION)))
        options.checkout_strategy = GIT_CHECKOUT_SAFE.rawValue
        try check("check out \(id.short)", git_checkout_tree(handle, object, &options))
    }
}

extension Repository {
    /// Whether tracked files differ from HEAD in the index or working tree
    /// (untracked files do not count, as for `git merge`).
    public func hasTrackedChanges() throws -> Bool {
        var options = git_status_options()
        try check("status options", git_status_options_init(&options, UInt32(GIT_STATUS_OPTIONS_VERSION)))
        options.show = GIT_STATUS_SHOW_INDEX_AND_WORKDIR
        options.flags = GIT_STATUS_OPT_EXCLUDE_SUBMODULES.rawValue
        var list: OpaquePointer?
        try check("status", git_status_list_new(&list, handle, &options))
        defer { git_status_list_free(list) }
        return git_status_list_entrycount(list) > 0
    }

    /// The folders of linked worktrees whose HEAD is the branch `ref`.
    public func linkedWorktreePaths(checkingOut ref: String) throws -> [String] {
        try worktreeNames().compactMap { name -> String? in
            let head = (try? String(contentsOfFile: commonDirectory + "/worktrees/\(name)/HEAD", encoding: .utf8)) ?? ""
            guard head.split(separator: "\n").first.map(String.init) == "ref: " + ref else { return nil }
            return try worktreePath(name) ?? name
        }
    }
}
