import CLibGit2

/// A loose ref file that exists but holds nothing git can read as a ref
/// (neither an object id nor `ref: <name>`).
public struct UnreadableLooseReference: Sendable, Equatable {
    public var name: String
    /// The loose ref file.
    public var path: String
    /// The file's first bytes, printable, for messages; empty for an empty file.
    public var contents: String
    /// What `packed-refs` still holds for the name. git takes the loose file
    /// over it, so this value is stale (the loose file is where every update
    /// after a pack went): never to be shown or acted on as current.
    public var packedTarget: ObjectID?
}

/// The refs under a prefix as git reads them.
public struct ReferenceListing: Sendable {
    /// Every direct ref that resolves, with its target.
    public var references: [(name: String, target: ObjectID)]
    /// Loose files that do not parse, whether or not they hide a packed value.
    public var unreadable: [UnreadableLooseReference]
}

extension Repository {
    /// The direct refs under `prefix` (`refs/kanbots/runs/`), with the rule
    /// git follows and libgit2's iterator does not: a loose ref file is
    /// authoritative over `packed-refs`. The iterator skips a loose file it
    /// cannot parse and then returns the packed value of the same name as if
    /// it were current; here that ref is left out of `references` and named
    /// in `unreadable`, as is a loose file with no packed value (which the
    /// iterator skips without a word).
    ///
    /// Cost: one listing, one folder walk (none when the caller passes the
    /// loose names it just read), one pass over `packed-refs` only when
    /// there are loose files, and a read only of the loose files the
    /// iterator did not list or that share a name with a packed ref: none
    /// for a repository of only loose or only packed refs.
    ///
    /// - Parameter looseNames: the full names of the loose files under
    ///   `prefix`, when the caller has just read the folder.
    public func referenceListing(under prefix: String, looseNames: [String]? = nil) throws -> ReferenceListing {
        let folder = prefix.hasSuffix("/") ? prefix : prefix + "/"
        let listed = try references(matching: folder + "*")
        let loose = (looseNames ?? looseReferenceNames(under: folder)).filter { !$0.hasSuffix(".lock") }
        guard !loose.isEmpty else { return ReferenceListing(references: listed, unreadable: []) }
        let listedNames = Set(listed.map(\.name))
        let packed = packedTargets(of: Set(loose))
        // A listed name with no packed twin was read from its loose file by
        // the iterator: it parsed. Only the others need a look.
        let suspects = loose.filter { !listedNames.contains($0) || packed[$0] != nil }
        let unreadable = inspect(suspects, packed: packed)
        guard !unreadable.isEmpty else { return ReferenceListing(references: listed, unreadable: []) }
        let shadowed = Set(unreadable.map(\.name))
        return ReferenceListing(references: listed.filter { !shadowed.contains($0.name) }, unreadable: unreadable)
    }

    /// The refs among `names` whose loose file exists and does not parse,
    /// with the packed value each one hides. A name with no loose file, or
    /// one that parses, is not returned.
    public func unreadableLooseReferences(_ names: [String]) -> [UnreadableLooseReference] {
        let present = names.filter { LooseRefFile.exists(commonDirectory + "/" + $0) }
        guard !present.isEmpty else { return [] }
        return inspect(present, packed: packedTargets(of: Set(present)))
    }

    private func inspect(_ names: [String], packed: [String: ObjectID]) -> [UnreadableLooseReference] {
        names.sorted().compactMap { name in
            let path = commonDirectory + "/" + name
            guard case .unreadable(let contents) = LooseRefFile.parse(at: path) else { return nil }
            return UnreadableLooseReference(name: name, path: path, contents: contents, packedTarget: packed[name])
        }
    }

    /// What `packed-refs` holds for each of `names` that it has.
    func packedTargets(of names: Set<String>) -> [String: ObjectID] {
        guard !names.isEmpty, let bytes = try? PackedRefsFile.bytes(at: commonDirectory + "/packed-refs") else { return [:] }
        var found: [String: ObjectID] = [:]
        // `<40 hex> <name>` lines; `#` headers and `^` peeled lines are skipped.
        for line in bytes.split(separator: UInt8(ascii: "\n")) where line.count > 41 {
            let start = line.startIndex
            guard line[start + 40] == UInt8(ascii: " ") else { continue }
            let name = String(decoding: line[(start + 41)...], as: UTF8.self)
            guard names.contains(name), let id = ObjectID(hex: String(decoding: line[start..<start + 40], as: UTF8.self))
            else { continue }
            found[name] = id
        }
        return found
    }
}

extension LooseRefFile {
    enum Contents: Equatable {
        case missing
        /// An object id, or `ref: <name>`: git reads it.
        case readable
        /// Anything else, with its first bytes made printable.
        case unreadable(String)
    }

    /// Reads a loose ref file the way git parses it: 40 hex digits followed
    /// by the end or whitespace, or `ref:` (a symbolic ref).
    static func parse(at path: String) -> Contents {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return errno == ENOENT || errno == ENOTDIR ? .missing : .unreadable("") }
        defer { close(descriptor) }
        var buffer = [UInt8](repeating: 0, count: 64)
        var count = -1
        repeat { count = read(descriptor, &buffer, buffer.count) } while count < 0 && errno == EINTR
        // A folder (`read` fails with EISDIR) is where a ref's namespace is, not a ref.
        guard count >= 0 else { return errno == EISDIR ? .missing : .unreadable("") }
        let bytes = buffer[0..<count]
        if bytes.starts(with: Array("ref:".utf8)) { return .readable }
        if count >= 40, ObjectID(hex: String(decoding: bytes.prefix(40), as: UTF8.self)) != nil,
           count == 40 || [UInt8(ascii: " "), UInt8(ascii: "\n"), UInt8(ascii: "\r"), UInt8(ascii: "\t")].contains(bytes[40]) {
            return .readable
        }
        var text = Substring(String(decoding: bytes, as: UTF8.self))
        while let first = text.first, first.isWhitespace { text.removeFirst() }
        while let last = text.last, last.isWhitespace { text.removeLast() }
        return .unreadable(String(text.prefix(40).map { $0.isASCII && ($0 == " " || !$0.isWhitespace) && $0 >= " " ? $0 : "?" }))
    }
}
