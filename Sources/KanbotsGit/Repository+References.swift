import CLibGit2

extension Repository {
    /// The object a reference points at (peeling symbolic refs), or nil when
    /// the reference does not exist.
    public func referenceTarget(_ name: String) throws -> ObjectID? {
        var oid = git_oid()
        let result = git_reference_name_to_id(&oid, handle, name)
        if result == GIT_ENOTFOUND.rawValue { return nil }
        try check("read ref \(name)", result)
        return ObjectID(oid)
    }

    /// The name a symbolic reference points at (`HEAD` → `refs/heads/main`),
    /// or nil when it is a direct reference or missing.
    public func symbolicTarget(_ name: String) throws -> String? {
        var reference: OpaquePointer?
        let result = git_reference_lookup(&reference, handle, name)
        if result == GIT_ENOTFOUND.rawValue { return nil }
        try check("read ref \(name)", result)
        defer { git_reference_free(reference) }
        guard git_reference_type(reference) == GIT_REFERENCE_SYMBOLIC,
              let target = git_reference_symbolic_target(reference) else { return nil }
        return String(cString: target)
    }

    /// Every direct reference whose name matches `glob` (fnmatch syntax,
    /// e.g. `refs/kanbots/runs/*`), with what it points at.
    public func references(matching glob: String) throws -> [(name: String, target: ObjectID)] {
        var iterator: OpaquePointer?
        try check("list refs \(glob)", git_reference_iterator_glob_new(&iterator, handle, glob))
        defer { git_reference_iterator_free(iterator) }
        var found: [(String, ObjectID)] = []
        var reference: OpaquePointer?
        while true {
            let result = git_reference_next(&reference, iterator)
            if result == GIT_ITEROVER.rawValue { break }
            try check("list refs \(glob)", result)
            defer { git_reference_free(reference) }
            if let target = git_reference_target(reference) {
                found.append((String(cString: git_reference_name(reference)), ObjectID(target.pointee)))
            }
        }
        return found
    }

    /// Compare-and-swap: points `name` at `target` only if it currently
    /// points at `expected` (nil: only if it does not exist yet).
    ///
    /// Throws a `GitError` with `isContention` when another writer won; the
    /// caller re-reads and retries. libgit2 takes the ref's lock file and
    /// checks the old value under it, so the swap is atomic across processes.
    public func updateReference(
        _ name: String, to target: ObjectID, expecting expected: ObjectID?, message: String
    ) throws {
        var reference: OpaquePointer?
        var newID = target.raw
        // The all-zero id means "must not exist". libgit2 compares the old
        // value only after taking the ref's lock file, whereas its plain
        // non-forced create checks existence before locking, which lets two
        // concurrent creators both "win". So creation is a swap from zero too.
        var oldID = expected?.raw ?? git_oid()
        let result = git_reference_create_matching(&reference, handle, name, &newID, 1, &oldID, message)
        try check("update ref \(name)", result)
        git_reference_free(reference)
    }

    /// Deletes `name` if it still points at `expected`.
    public func deleteReference(_ name: String, expecting expected: ObjectID) throws {
        var reference: OpaquePointer?
        let lookup = git_reference_lookup(&reference, handle, name)
        if lookup == GIT_ENOTFOUND.rawValue { return }
        try check("read ref \(name)", lookup)
        defer { git_reference_free(reference) }
        guard let current = git_reference_target(reference), ObjectID(current.pointee) == expected else {
            throw GitError(code: GIT_EMODIFIED.rawValue, operation: "delete ref \(name)")
        }
        try check("delete ref \(name)", git_reference_delete(reference))
    }

    /// Whether `name` is a syntactically valid reference name.
    public static func isValidReferenceName(_ name: String) -> Bool {
        var valid: Int32 = 0
        return git_reference_name_is_valid(&valid, name) == 0 && valid == 1
    }

    /// Resolves a revision expression (`main`, `origin/main`, `HEAD~2`, an id)
    /// to the commit it names, or nil when it names nothing.
    public func resolveCommit(_ revision: String) throws -> ObjectID? {
        var object: OpaquePointer?
        let result = git_revparse_single(&object, handle, revision)
        if result == GIT_ENOTFOUND.rawValue || result == GIT_EAMBIGUOUS.rawValue || result == GIT_EINVALIDSPEC.rawValue {
            return nil
        }
        try check("resolve \(revision)", result)
        defer { git_object_free(object) }
        var commit: OpaquePointer?
        guard git_object_peel(&commit, object, GIT_OBJECT_COMMIT) == 0 else { return nil }
        defer { git_object_free(commit) }
        return ObjectID(git_object_id(commit).pointee)
    }

    /// Commits on `local` not on `upstream`, and the reverse.
    public func aheadBehind(_ local: ObjectID, _ upstream: ObjectID) throws -> (ahead: Int, behind: Int) {
        var ahead = 0, behind = 0
        var localID = local.raw, upstreamID = upstream.raw
        try check("ahead/behind", git_graph_ahead_behind(&ahead, &behind, handle, &localID, &upstreamID))
        return (ahead, behind)
    }

    /// Whether `ancestor` is reachable from `descendant` (or equal to it).
    public func isAncestor(_ ancestor: ObjectID, of descendant: ObjectID) throws -> Bool {
        if ancestor == descendant { return true }
        var commitID = descendant.raw, ancestorID = ancestor.raw
        let result = git_graph_descendant_of(handle, &commitID, &ancestorID)
        try check("descendant check", result)
        return result == 1
    }

    /// The best common ancestor of two commits, or nil when their histories
    /// are unrelated.
    public func mergeBase(_ one: ObjectID, _ other: ObjectID) throws -> ObjectID? {
        var base = git_oid()
        var oneID = one.raw, otherID = other.raw
        let result = git_merge_base(&base, handle, &oneID, &otherID)
        if result == GIT_ENOTFOUND.rawValue { return nil }
        try check("merge base", result)
        return ObjectID(base)
    }
}
