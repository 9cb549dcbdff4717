import CLibGit2

/// One file of a tree-to-tree diff, with its line counts.
public struct FileChange: Sendable, Equatable, Codable {
    public enum Status: String, Sendable, Codable {
        case added, modified, deleted, renamed, typeChanged = "type_changed"
    }

    public var path: String
    public var status: Status
    public var linesAdded: Int
    public var linesRemoved: Int
    /// True for files git treats as binary: no line counts.
    public var isBinary: Bool

    public init(path: String, status: Status, linesAdded: Int, linesRemoved: Int, isBinary: Bool = false) {
        self.path = path
        self.status = status
        self.linesAdded = linesAdded
        self.linesRemoved = linesRemoved
        self.isBinary = isBinary
    }
}

extension Repository {
    /// The files that differ between two commits' trees, with lines added
    /// and removed per file (renames are not detected: a rename shows as a
    /// deletion and an addition, which is what conflicts care about).
    public func diffSummary(from old: ObjectID, to new: ObjectID) throws -> [FileChange] {
        let oldTree = try lookupTree(try commit(old).tree)
        defer { git_tree_free(oldTree) }
        let newTree = try lookupTree(try commit(new).tree)
        defer { git_tree_free(newTree) }
        var diff: OpaquePointer?
        try check("diff \(old.short)..\(new.short)", git_diff_tree_to_tree(&diff, handle, oldTree, newTree, nil))
        defer { git_diff_free(diff) }
        var changes: [FileChange] = []
        for index in 0..<git_diff_num_deltas(diff) {
            guard let delta = git_diff_get_delta(diff, index)?.pointee else { continue }
            let path = String(cString: (delta.new_file.path ?? delta.old_file.path)!)
            let status: FileChange.Status
            switch delta.status {
            case GIT_DELTA_ADDED: status = .added
            case GIT_DELTA_DELETED: status = .deleted
            case GIT_DELTA_RENAMED: status = .renamed
            case GIT_DELTA_TYPECHANGE: status = .typeChanged
            default: status = .modified
            }
            var patch: OpaquePointer?
            try check("patch \(path)", git_patch_from_diff(&patch, diff, index))
            defer { git_patch_free(patch) }
            var context = 0, added = 0, removed = 0
            let binary = (delta.flags & GIT_DIFF_FLAG_BINARY.rawValue) != 0
            if patch != nil, !binary { try check("line stats \(path)", git_patch_line_stats(&context, &added, &removed, patch)) }
            changes.append(FileChange(path: path, status: status, linesAdded: added, linesRemoved: removed,
                                      isBinary: binary))
        }
        return changes
    }
}
