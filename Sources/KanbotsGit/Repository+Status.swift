import CLibGit2

extension Repository {
    /// Whether the working tree or index differs from HEAD, counting
    /// untracked files that are not ignored.
    public func hasUncommittedChanges() throws -> Bool {
        var options = git_status_options()
        try check("status options", git_status_options_init(&options, UInt32(GIT_STATUS_OPTIONS_VERSION)))
        options.show = GIT_STATUS_SHOW_INDEX_AND_WORKDIR
        options.flags = GIT_STATUS_OPT_INCLUDE_UNTRACKED.rawValue | GIT_STATUS_OPT_RECURSE_UNTRACKED_DIRS.rawValue
            | GIT_STATUS_OPT_EXCLUDE_SUBMODULES.rawValue
        var list: OpaquePointer?
        try check("status", git_status_list_new(&list, handle, &options))
        defer { git_status_list_free(list) }
        return git_status_list_entrycount(list) > 0
    }

    /// Stages everything in the working tree (like `git add -A`) and commits
    /// it on the current branch. Returns nil when there was nothing to commit.
    public func commitAllChanges(message: String, signature: Signature) throws -> ObjectID? {
        guard try hasUncommittedChanges() else { return nil }
        var index: OpaquePointer?
        try check("open index", git_repository_index(&index, handle))
        defer { git_index_free(index) }
        var everything = git_strarray()
        let star = strdup("*")
        defer { free(star) }
        var paths: [UnsafeMutablePointer<CChar>?] = [star]
        try paths.withUnsafeMutableBufferPointer { buffer in
            everything.strings = buffer.baseAddress
            everything.count = 1
            try check("stage changes", git_index_add_all(index, &everything, GIT_INDEX_ADD_DEFAULT.rawValue, nil, nil))
            try check("stage removals", git_index_update_all(index, &everything, nil, nil))
        }
        try check("write index", git_index_write(index))
        var treeID = git_oid()
        try check("write tree", git_index_write_tree(&treeID, index))
        let head = try referenceTarget("HEAD")
        if let head, try commit(head).tree == ObjectID(treeID) { return nil }
        let commitID = try createCommit(
            tree: ObjectID(treeID), parents: head.map { [$0] } ?? [], message: message, signature: signature)
        let branch = try symbolicTarget("HEAD") ?? "HEAD"
        try updateReference(branch, to: commitID, expecting: head, message: "kanbots: checkpoint")
        return commitID
    }
}
