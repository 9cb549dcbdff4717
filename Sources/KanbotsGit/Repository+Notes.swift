import CLibGit2

extension Repository {
    /// The note attached to `object` under `notesRef`, or nil.
    public func note(on object: ObjectID, notesRef: String) throws -> String? {
        var note: OpaquePointer?
        var oid = object.raw
        let result = git_note_read(&note, handle, notesRef, &oid)
        if result == GIT_ENOTFOUND.rawValue { return nil }
        try check("read note", result)
        defer { git_note_free(note) }
        return git_note_message(note).map { String(cString: $0) }
    }

    /// Builds a new notes commit on top of `parent` (nil: the first one) that
    /// sets the note of each object to the text `text(object, oldText)` returns.
    /// Nothing is published; pair with `updateReference` for compare-and-swap.
    public func notesCommit(
        parent: ObjectID?, objects: [ObjectID], signature: Signature,
        text: (ObjectID, String?) -> String
    ) throws -> ObjectID? {
        var current = parent
        for object in objects {
            let old = try current.flatMap { try noteText(in: $0, on: object) }
            let new = text(object, old)
            if new == old { continue }
            var parentCommit: OpaquePointer?
            if let current {
                var id = current.raw
                try check("read notes commit", git_commit_lookup(&parentCommit, handle, &id))
            }
            defer { git_commit_free(parentCommit) }
            var commitID = git_oid(), blobID = git_oid()
            var target = object.raw
            try signature.withRaw { sig in
                try check("write note", git_note_commit_create(
                    &commitID, &blobID, handle, parentCommit, sig, sig, &target, new, 1))
            }
            current = ObjectID(commitID)
        }
        return current == parent ? nil : current
    }

    private func noteText(in notesCommit: ObjectID, on object: ObjectID) throws -> String? {
        var commit: OpaquePointer?
        var commitID = notesCommit.raw
        try check("read notes commit", git_commit_lookup(&commit, handle, &commitID))
        defer { git_commit_free(commit) }
        var note: OpaquePointer?
        var target = object.raw
        let result = git_note_commit_read(&note, handle, commit, &target)
        if result == GIT_ENOTFOUND.rawValue { return nil }
        try check("read note", result)
        defer { git_note_free(note) }
        return git_note_message(note).map { String(cString: $0) }
    }
}

extension Repository {
    /// Every note in a notes commit: annotated object → the note's blob.
    /// Reads fan-out and flat notes trees alike (libgit2's iterator).
    public func notes(inCommit notesCommit: ObjectID) throws -> [ObjectID: ObjectID] {
        var commit: OpaquePointer?
        var commitID = notesCommit.raw
        try check("read notes commit", git_commit_lookup(&commit, handle, &commitID))
        defer { git_commit_free(commit) }
        var iterator: OpaquePointer?
        try check("list notes", git_note_commit_iterator_new(&iterator, commit))
        defer { git_note_iterator_free(iterator) }
        var notes: [ObjectID: ObjectID] = [:]
        var blob = git_oid(), annotated = git_oid()
        while true {
            let result = git_note_next(&blob, &annotated, iterator)
            if result == GIT_ITEROVER.rawValue { break }
            try check("list notes", result)
            notes[ObjectID(annotated)] = ObjectID(blob)
        }
        return notes
    }
}
