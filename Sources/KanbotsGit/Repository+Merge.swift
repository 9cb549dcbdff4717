import CLibGit2

/// The outcome of merging two commits in memory.
public struct InMemoryMerge: Sendable, Equatable {
    /// Paths git could not merge on its own (same lines changed on both
    /// sides, or a file changed on one side and deleted on the other), sorted.
    public var conflictedPaths: [String]
    /// The merged tree, written as objects only when asked and clean.
    public var tree: ObjectID?

    public var isClean: Bool { conflictedPaths.isEmpty }
}

extension Repository {
    /// Merges `theirs` into `ours` the way `git merge` would, into an index
    /// that lives only in memory: no worktree, index file or reference is
    /// touched. With `writeTree`, a clean result is written as a tree object
    /// (unreferenced until someone commits it), for landing.
    public func mergeCommits(_ ours: ObjectID, _ theirs: ObjectID, writeTree: Bool = false) throws -> InMemoryMerge {
        var oursCommit: OpaquePointer?, theirsCommit: OpaquePointer?
        var oursID = ours.raw, theirsID = theirs.raw
        try check("read commit \(ours.short)", git_commit_lookup(&oursCommit, handle, &oursID))
        defer { git_commit_free(oursCommit) }
        try check("read commit \(theirs.short)", git_commit_lookup(&theirsCommit, handle, &theirsID))
        defer { git_commit_free(theirsCommit) }
        var options = git_merge_options()
        try check("merge options", git_merge_options_init(&options, UInt32(GIT_MERGE_OPTIONS_VERSION)))
        var index: OpaquePointer?
        try check("merge \(ours.short) with \(theirs.short)",
                  git_merge_commits(&index, handle, oursCommit, theirsCommit, &options))
        defer { git_index_free(index) }
        return try result(of: index, writeTree: writeTree)
    }

    /// Three-way merge of trees (`ancestor` may be nil for unrelated
    /// histories), in memory like `mergeCommits`. Used to stack simulated
    /// merges whose intermediate results are trees, not commits.
    public func mergeTrees(ancestor: ObjectID?, ours: ObjectID, theirs: ObjectID,
                           writeTree: Bool = false) throws -> InMemoryMerge {
        let ancestorTree = try ancestor.flatMap(lookupTree)
        defer { git_tree_free(ancestorTree) }
        let oursTree = try lookupTree(ours)
        defer { git_tree_free(oursTree) }
        let theirsTree = try lookupTree(theirs)
        defer { git_tree_free(theirsTree) }
        var options = git_merge_options()
        try check("merge options", git_merge_options_init(&options, UInt32(GIT_MERGE_OPTIONS_VERSION)))
        var index: OpaquePointer?
        try check("merge trees", git_merge_trees(&index, handle, ancestorTree, oursTree, theirsTree, &options))
        defer { git_index_free(index) }
        return try result(of: index, writeTree: writeTree)
    }

    func lookupTree(_ id: ObjectID) throws -> OpaquePointer? {
        var tree: OpaquePointer?
        var oid = id.raw
        try check("read tree \(id.short)", git_tree_lookup(&tree, handle, &oid))
        return tree
    }

    private func result(of index: OpaquePointer?, writeTree: Bool) throws -> InMemoryMerge {
        var paths = Set<String>()
        if git_index_has_conflicts(index) == 1 {
            var iterator: OpaquePointer?
            try check("conflict iterator", git_index_conflict_iterator_new(&iterator, index))
            defer { git_index_conflict_iterator_free(iterator) }
            var ancestor: UnsafePointer<git_index_entry>?, ours: UnsafePointer<git_index_entry>?
            var theirs: UnsafePointer<git_index_entry>?
            while git_index_conflict_next(&ancestor, &ours, &theirs, iterator) == 0 {
                if let entry = ours ?? theirs ?? ancestor { paths.insert(String(cString: entry.pointee.path)) }
            }
        }
        var tree: ObjectID?
        if writeTree, paths.isEmpty {
            var treeID = git_oid()
            try check("write merged tree", git_index_write_tree_to(&treeID, index, handle))
            tree = ObjectID(treeID)
        }
        return InMemoryMerge(conflictedPaths: paths.sorted(), tree: tree)
    }
}
