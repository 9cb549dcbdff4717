import CLibGit2

extension Repository {
    /// Paths that differ between `commit`'s tree and the working tree,
    /// committed or not, untracked files included (ignored ones not): what a
    /// worktree has changed since its run started. Renames count as the
    /// paths on both sides (deleting a file is changing it too).
    public func changedPaths(since commit: ObjectID) throws -> [String] {
        let treeID = try self.commit(commit).tree
        var tree: OpaquePointer?
        var oid = treeID.raw
        try check("read tree \(treeID.short)", git_tree_lookup(&tree, handle, &oid))
        defer { git_tree_free(tree) }
        var options = git_diff_options()
        try check("diff options", git_diff_options_init(&options, UInt32(GIT_DIFF_OPTIONS_VERSION)))
        options.flags = GIT_DIFF_INCLUDE_UNTRACKED.rawValue | GIT_DIFF_RECURSE_UNTRACKED_DIRS.rawValue
            | GIT_DIFF_IGNORE_SUBMODULES.rawValue
        var diff: OpaquePointer?
        try check("diff worktree", git_diff_tree_to_workdir_with_index(&diff, handle, tree, &options))
        defer { git_diff_free(diff) }
        var paths: [String] = []
        var seen: Set<String> = []
        for index in 0..<git_diff_num_deltas(diff) {
            guard let delta = git_diff_get_delta(diff, index)?.pointee else { continue }
            for file in [delta.old_file, delta.new_file] {
                guard let raw = file.path else { continue }
                let path = String(cString: raw)
                if seen.insert(path).inserted { paths.append(path) }
            }
        }
        return paths
    }
}
