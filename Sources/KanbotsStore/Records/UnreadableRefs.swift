import KanbotsCore
import KanbotsGit

/// The words every command uses for a loose ref file git cannot read. As in
/// git, the loose file is authoritative over `packed-refs`: when it does not
/// parse, the ref is unreadable, whatever the packed value says
/// (docs/state-format.md, "Checking and repairing").
extension UnreadableLooseReference {
    /// One clause: what the file holds and, when it hides a packed value,
    /// that this value is stale (with its commit's date, so a reader can
    /// tell how old it may be).
    func reason(in git: Repository) -> String {
        let holds = contents.isEmpty ? "the ref file is empty" : "the ref file holds '\(contents)'"
        guard let packedTarget else { return contents.isEmpty ? holds : holds + ", not a commit id" }
        return "loose ref unreadable, packed value \(git.describeCommit(packedTarget)) is stale: \(holds)"
    }
}

extension Repository {
    /// The ref's target, or nil when it does not exist. A ref git cannot
    /// read (a loose file that does not parse, even with a packed value
    /// behind it) is a typed error that names `fsck --repair`: nothing may
    /// act on a value git itself would not return.
    func readableTarget(_ ref: String) throws -> ObjectID? {
        do {
            return try referenceTarget(ref)
        } catch let error as GitError {
            throw KanbotsError.unreadableRef(ref: ref, reason: unreadableReason(ref) ?? error.message)
        }
    }

    /// Why `ref`'s loose file cannot be read, or nil when it can (or there is none).
    func unreadableReason(_ ref: String) -> String? {
        unreadableLooseReferences([ref]).first?.reason(in: self)
    }
}

extension Repository {
    /// `from <date>` for a commit, by its committer time; what a stale
    /// packed value is named by, so a reader can tell how old it may be.
    func describeCommit(_ id: ObjectID) -> String {
        (try? commit(id)).map { "from \(Timestamp.format($0.time))" } ?? "\(id.short) (not in the object database)"
    }

    /// The values a ref's reflog (`logs/<ref>`) moved it to, newest first.
    /// A loose ref damaged by hand leaves no entry: the newest one is then
    /// the last value git-kanbots (or git) wrote.
    func reflogTargets(_ ref: String) -> [ObjectID] {
        guard let data = FileManager.default.contents(atPath: commonDirectory + "/logs/" + ref) else { return [] }
        // `<old> <new> <who> <time> <zone>\t<message>`
        return String(decoding: data, as: UTF8.self).split(separator: "\n").reversed().compactMap { line in
            let fields = line.split(separator: " ", maxSplits: 2)
            return fields.count >= 2 ? ObjectID(hex: String(fields[1])) : nil
        }
    }
}
