import CLibGit2

/// One entry of a tree we write: a blob or a subtree under a name.
public struct TreeEntry: Sendable {
    public enum Kind: Sendable { case blob, tree }
    public var name: String
    public var id: ObjectID
    public var kind: Kind

    public init(name: String, id: ObjectID, kind: Kind = .blob) {
        self.name = name
        self.id = id
        self.kind = kind
    }
}

/// What we read back from a commit.
public struct CommitInfo: Sendable {
    public var id: ObjectID
    public var message: String
    public var tree: ObjectID
    public var parents: [ObjectID]
    public var time: Date
}

extension Repository {
    public func writeBlob(_ data: Data) throws -> ObjectID {
        var oid = git_oid()
        try data.withUnsafeBytes { buffer in
            try check("write blob", git_blob_create_from_buffer(&oid, handle, buffer.baseAddress, buffer.count))
        }
        return ObjectID(oid)
    }

    /// Writes a file's content as a blob; libgit2 streams it from disk.
    public func writeBlob(fromFile path: String) throws -> ObjectID {
        var oid = git_oid()
        try check("write blob from \(path)", git_blob_create_from_disk(&oid, handle, path))
        return ObjectID(oid)
    }

    public func readBlob(_ id: ObjectID) throws -> Data {
        var blob: OpaquePointer?
        var oid = id.raw
        try check("read blob \(id.short)", git_blob_lookup(&blob, handle, &oid))
        defer { git_blob_free(blob) }
        let size = Int(git_blob_rawsize(blob))
        guard size > 0, let content = git_blob_rawcontent(blob) else { return Data() }
        return Data(bytes: content, count: size)
    }

    /// Writes a one-level tree of the given entries.
    public func writeTree(_ entries: [TreeEntry]) throws -> ObjectID {
        var builder: OpaquePointer?
        try check("tree builder", git_treebuilder_new(&builder, handle, nil))
        defer { git_treebuilder_free(builder) }
        for entry in entries {
            var oid = entry.id.raw
            let mode = entry.kind == .blob ? GIT_FILEMODE_BLOB : GIT_FILEMODE_TREE
            try check("tree entry \(entry.name)", git_treebuilder_insert(nil, builder, entry.name, &oid, mode))
        }
        var treeID = git_oid()
        try check("write tree", git_treebuilder_write(&treeID, builder))
        return ObjectID(treeID)
    }

    /// The blobs (name → id) directly inside a tree.
    public func treeEntries(_ id: ObjectID) throws -> [String: ObjectID] {
        var tree: OpaquePointer?
        var oid = id.raw
        try check("read tree \(id.short)", git_tree_lookup(&tree, handle, &oid))
        defer { git_tree_free(tree) }
        var entries: [String: ObjectID] = [:]
        for index in 0..<git_tree_entrycount(tree) {
            let entry = git_tree_entry_byindex(tree, index)
            entries[String(cString: git_tree_entry_name(entry))] = ObjectID(git_tree_entry_id(entry).pointee)
        }
        return entries
    }

    /// Creates a commit object without moving any reference; the caller
    /// publishes it with a compare-and-swap.
    public func createCommit(
        tree: ObjectID, parents: [ObjectID], message: String, signature: Signature
    ) throws -> ObjectID {
        var treeObject: OpaquePointer?
        var treeID = tree.raw
        try check("read tree", git_tree_lookup(&treeObject, handle, &treeID))
        defer { git_tree_free(treeObject) }
        var parentObjects: [OpaquePointer?] = []
        defer { parentObjects.forEach { git_commit_free($0) } }
        for parent in parents {
            var commit: OpaquePointer?
            var parentID = parent.raw
            try check("read parent \(parent.short)", git_commit_lookup(&commit, handle, &parentID))
            parentObjects.append(commit)
        }
        var commitID = git_oid()
        try signature.withRaw { sig in
            try parentObjects.withUnsafeMutableBufferPointer { buffer in
                try check("create commit", git_commit_create(
                    &commitID, handle, nil, sig, sig, "UTF-8", message, treeObject,
                    parents.count, buffer.baseAddress
                ))
            }
        }
        return ObjectID(commitID)
    }

    public func commit(_ id: ObjectID) throws -> CommitInfo {
        var commit: OpaquePointer?
        var oid = id.raw
        try check("read commit \(id.short)", git_commit_lookup(&commit, handle, &oid))
        defer { git_commit_free(commit) }
        let parents = (0..<git_commit_parentcount(commit)).map { ObjectID(git_commit_parent_id(commit, $0).pointee) }
        return CommitInfo(
            id: id,
            message: String(cString: git_commit_message(commit)),
            tree: ObjectID(git_commit_tree_id(commit).pointee),
            parents: parents,
            time: Date(timeIntervalSince1970: TimeInterval(git_commit_time(commit)))
        )
    }

    /// Only the message of a commit: the cheapest read, used when listing.
    public func commitMessage(_ id: ObjectID) throws -> String {
        var commit: OpaquePointer?
        var oid = id.raw
        try check("read commit \(id.short)", git_commit_lookup(&commit, handle, &oid))
        defer { git_commit_free(commit) }
        return String(cString: git_commit_message(commit))
    }

    /// Commits reachable from `tip` but not from `hide`, newest first.
    public func commits(from tip: ObjectID, excluding hide: ObjectID?) throws -> [ObjectID] {
        var walker: OpaquePointer?
        try check("revwalk", git_revwalk_new(&walker, handle))
        defer { git_revwalk_free(walker) }
        var tipID = tip.raw
        try check("revwalk push", git_revwalk_push(walker, &tipID))
        if let hide {
            var hideID = hide.raw
            try check("revwalk hide", git_revwalk_hide(walker, &hideID))
        }
        var result: [ObjectID] = []
        var next = git_oid()
        while git_revwalk_next(&next, walker) == 0 { result.append(ObjectID(next)) }
        return result
    }

    /// The signature git would use for a commit here (user.name/user.email),
    /// falling back to a neutral identity so an unconfigured machine still works.
    public func defaultSignature() -> Signature {
        var pointer: UnsafeMutablePointer<git_signature>?
        if git_signature_default(&pointer, handle) == 0, let pointer {
            defer { git_signature_free(pointer) }
            return Signature(name: String(cString: pointer.pointee.name), email: String(cString: pointer.pointee.email))
        }
        return Signature(name: "git-kanbots", email: "git-kanbots@localhost")
    }
}
