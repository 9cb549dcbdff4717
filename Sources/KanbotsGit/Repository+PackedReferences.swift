import CLibGit2

extension Repository {
    /// Creates new refs straight in `packed-refs`, and folds loose refs into
    /// it, in one rewrite of that file. Returns the creations it left alone:
    /// write those with `updateReferences`.
    ///
    /// Why: a thousand refs written loose are a thousand files to create now
    /// and to open again on every later listing, by us and by each `git
    /// fetch`; packed, they are lines of one file. This is what `git
    /// pack-refs` does for a whole repository, done for the refs at hand.
    ///
    /// Locking: `packed-refs.lock` is held for the rewrite, as git holds it,
    /// so git, libgit2 and we never rewrite the file at once; a held lock
    /// throws a contention `GitError` (nothing waits). Unlike `git pack-refs`,
    /// no `<ref>.lock` is taken per ref: on a disk, creating and removing a
    /// thousand lock files cost as much as the loose writes this replaces
    /// (a first sync of 1,000 runs: 1.95x `git fetch` with them, 1.21x
    /// without). What that leaves, and why it is safe where it is used:
    /// - a creation is skipped if the ref exists, loose or packed, or its
    ///   `.lock` exists at the check; a writer that locks it after the check
    ///   writes a loose file, which shadows the packed line: its write wins,
    ///   as if it came second. (Sync creates other clones' records, which
    ///   nothing but another fetch of the same remote writes.)
    /// - a loose file in `cache` is removed only if it still holds the value
    ///   read, checked again just before; a writer that moves the ref in
    ///   that instant loses its move. So `cache` must be refs that only
    ///   remember what is elsewhere (sync's remote-tracking refs, which the
    ///   next fetch corrects), never a record.
    ///
    /// - Parameters:
    ///   - creations: refs to create; each needs `expected == nil`, and is
    ///     left out if the ref exists or its target is not a commit (a tag
    ///     would need a peeled line).
    ///   - cache: loose refs to fold into `packed-refs`, with the value the
    ///     caller read; a file that no longer holds it stays.
    public func createPackedReferences(
        _ creations: [ReferenceUpdate], absorbing cache: [String: ObjectID] = [:]
    ) throws -> [ReferenceUpdate] {
        let root = commonDirectory
        let packedPath = root + "/packed-refs"
        guard let packedLock = LockFile(path: packedPath) else {
            throw GitError(code: GIT_ELOCKED.rawValue, operation: "lock \(packedPath)")
        }
        defer { packedLock.release() }
        var packed = try PackedRefsFile(contentsOf: packedPath)
        let commits = try CommitChecker(self)

        var looseParents = LooseParents(root: root)
        var left: [ReferenceUpdate] = []
        for update in creations {
            guard update.expected == nil, packed.target(of: update.name) == nil,
                  Self.isValidReferenceName(update.name), !packed.conflicts(with: update.name),
                  try commits.isCommit(update.target),
                  !LooseRefFile.exists(root + "/" + update.name), !LooseRefFile.exists(root + "/" + update.name + ".lock"),
                  !looseParents.isInTheWay(of: update.name)
            else { left.append(update); continue }
            packed.set(update.name, to: update.target.hex)
        }
        var pruned: [(path: String, value: String)] = []
        for (name, target) in cache {
            let path = root + "/" + name
            guard Self.isValidReferenceName(name), try commits.isCommit(target),
                  LooseRefFile.value(at: path) == target.hex, !LooseRefFile.exists(path + ".lock") else { continue }
            packed.set(name, to: target.hex)
            pruned.append((path, target.hex))
        }
        guard packed.changed else { return left }
        try packedLock.commit(packed.serialized())
        // The packed values are in place: a loose copy that still holds its
        // value can go.
        for (path, value) in pruned where LooseRefFile.value(at: path) == value { unlink(path) }
        return left
    }
}

extension Repository {
    /// The refs under `prefix` (`refs/kanbots-remotes/`) that are loose
    /// files, found by listing folders rather than reading every ref.
    public func looseReferenceNames(under prefix: String) -> [String] {
        var names: [String] = []
        LooseRefFile.collect(commonDirectory + "/", prefix.hasSuffix("/") ? prefix : prefix + "/", into: &names)
        return names
    }
}

/// Whether a loose ref file sits where a new ref needs a folder
/// (`refs/a` for `refs/a/b`), asked once per folder.
struct LooseParents {
    let root: String
    private var answers: [Substring: Bool] = [:]

    init(root: String) { self.root = root }

    mutating func isInTheWay(of name: String) -> Bool {
        var folder = Substring(name)
        while let slash = folder.lastIndex(of: "/") {
            folder = folder[..<slash]
            if let known = answers[folder] { if known { return true } else { continue } }
            var info = stat()
            let isFile = lstat(root + "/" + folder, &info) == 0 && (info.st_mode & S_IFMT) != S_IFDIR
            answers[folder] = isFile
            if isFile { return true }
        }
        return false
    }
}

/// Files of the files backend's loose refs.
enum LooseRefFile {
    static func collect(_ root: String, _ folder: String, into names: inout [String]) {
        guard let directory = opendir(root + folder) else { return }
        defer { closedir(directory) }
        while let item = readdir(directory) {
            let name = withUnsafeBytes(of: item.pointee.d_name) { raw in
                String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
            guard name != ".", name != "..", !name.hasSuffix(".lock") else { continue }
            var isFolder = Int32(item.pointee.d_type) == Int32(DT_DIR)
            if Int32(item.pointee.d_type) == Int32(DT_UNKNOWN) {
                var info = stat()
                isFolder = lstat(root + folder + name, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR
            }
            if isFolder { collect(root, folder + name + "/", into: &names) } else { names.append(folder + name) }
        }
    }

    static func exists(_ path: String) -> Bool {
        var info = stat()
        return lstat(path, &info) == 0
    }

    /// The object id in a loose ref file, or nil (missing, symbolic, other).
    static func value(at path: String) -> String? {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        var buffer = [UInt8](repeating: 0, count: 64)
        let count = read(descriptor, &buffer, buffer.count)
        guard count >= 40 else { return nil }
        let text = String(decoding: buffer[0..<count], as: UTF8.self)
        let value = text.hasSuffix("\n") ? String(text.dropLast()) : text
        return ObjectID(hex: value)?.hex
    }
}

/// Tells commits from other objects by their header, through one handle on
/// the object database.
private final class CommitChecker {
    private var database: OpaquePointer?

    init(_ repository: Repository) throws {
        try check("open object database", git_repository_odb(&database, repository.handle))
    }

    deinit { git_odb_free(database) }

    /// Answers already given: a fetched ref and the local ref made from it
    /// point at the same commit, and a deltified commit's header costs a
    /// walk down its delta chain.
    private var known: [ObjectID: Bool] = [:]

    func isCommit(_ id: ObjectID) throws -> Bool {
        if let answer = known[id] { return answer }
        let answer = try readIsCommit(id)
        known[id] = answer
        return answer
    }

    private func readIsCommit(_ id: ObjectID) throws -> Bool {
        var oid = id.raw
        var size = 0
        var type = GIT_OBJECT_INVALID
        let result = git_odb_read_header(&size, &type, database, &oid)
        if result == GIT_ENOTFOUND.rawValue { return false }
        try check("read object \(id.short)", result)
        return type == GIT_OBJECT_COMMIT
    }
}

/// A `<path>.lock` taken the way git takes it: created exclusively, written,
/// then renamed over the file (commit) or removed (release).
final class LockFile {
    let path: String
    private var descriptor: Int32

    /// Nil when the lock is held by someone else, or cannot be made.
    init?(path: String) {
        self.path = path
        descriptor = open(path + ".lock", O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o666)
        guard descriptor >= 0 else { return nil }
    }

    /// Writes `contents` to the lock and renames it over the file.
    func commit(_ contents: [UInt8]) throws {
        var written = 0
        while written < contents.count {
            let count = contents[written...].withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
            if count < 0, errno == EINTR { continue }
            guard count > 0 else { throw Self.failure("write \(path).lock") }
            written += count
        }
        close(descriptor)
        descriptor = -1
        guard rename(path + ".lock", path) == 0 else {
            let error = Self.failure("rename \(path).lock")
            unlink(path + ".lock")
            throw error
        }
    }

    /// Gives the lock up if it was not committed. Safe to call twice.
    func release() {
        guard descriptor >= 0 else { return }
        close(descriptor)
        descriptor = -1
        unlink(path + ".lock")
    }

    private static func failure(_ operation: String) -> GitError {
        GitError(code: GIT_ERROR.rawValue, operation: "\(operation): \(String(cString: strerror(errno)))")
    }
}

/// The `packed-refs` file: a header of traits, then `<id> <ref>` lines in
/// ref-name byte order, each optionally followed by a `^<id>` line (the
/// object an annotated tag peels to).
struct PackedRefsFile {
    private var traits: [String]
    private var entries: [String: (id: String, peeled: String?)] = [:]
    private(set) var changed = false

    static let defaultTraits = ["peeled", "fully-peeled", "sorted"]

    init(contentsOf path: String) throws {
        guard let bytes = try Self.bytes(at: path) else {
            traits = Self.defaultTraits
            return
        }
        traits = []
        var last: String?
        for line in bytes.split(separator: UInt8(ascii: "\n")) {
            let text = String(decoding: line, as: UTF8.self)
            if text.hasPrefix("# pack-refs with:") {
                traits = text.dropFirst("# pack-refs with:".count).split(separator: " ").map(String.init)
            } else if text.hasPrefix("^"), let name = last {
                entries[name]?.peeled = String(text.dropFirst())
            } else if let space = text.firstIndex(of: " ") {
                let name = String(text[text.index(after: space)...])
                entries[name] = (String(text[..<space]), nil)
                last = name
            }
        }
    }

    /// The file's bytes, or nil when there is no such file.
    static func bytes(at path: String) throws -> [UInt8]? {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            guard errno == ENOENT else {
                throw GitError(code: GIT_ERROR.rawValue, operation: "read \(path): \(String(cString: strerror(errno)))")
            }
            return nil
        }
        defer { close(descriptor) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let count = read(descriptor, &chunk, chunk.count)
            if count < 0, errno == EINTR { continue }
            guard count >= 0 else {
                throw GitError(code: GIT_ERROR.rawValue, operation: "read \(path): \(String(cString: strerror(errno)))")
            }
            if count == 0 { return bytes }
            bytes += chunk[0..<count]
        }
    }

    func target(of name: String) -> String? { entries[name]?.id }

    /// Whether a ref `name` could not sit beside the packed ones: one of
    /// them is a folder of it (`refs/a` for `refs/a/b`) or lies inside it.
    /// (Loose refs in the way show up as a lock that cannot be made.)
    mutating func conflicts(with name: String) -> Bool {
        var prefix = Substring(name)
        while let slash = prefix.lastIndex(of: "/") {
            prefix = prefix[..<slash]
            if entries[String(prefix)] != nil { return true }
        }
        if foldersOfAdded.contains(name) { return true }
        if sortedNames == nil { sortedNames = Self.sorted(Array(entries.keys)) }
        let folder = name + "/"
        let folderBytes = Array(folder.utf8)
        let names = sortedNames!
        var low = 0, high = names.count
        while low < high {
            let middle = (low + high) / 2
            if Self.precedes(Array(names[middle].utf8), folderBytes) { low = middle + 1 } else { high = middle }
        }
        return low < names.count && names[low].hasPrefix(folder)
    }

    /// The names as they were read, sorted; made the first time a
    /// conflict is looked for.
    private var sortedNames: [String]?
    /// The folders of the names set since (`refs/a` for `refs/a/b`).
    private var foldersOfAdded: Set<String> = []

    /// In byte order (`strcmp`'s), which is not always `String`'s order.
    static func sorted(_ names: [String]) -> [String] {
        names.map { (bytes: Array($0.utf8), name: $0) }.sorted { precedes($0.bytes, $1.bytes) }.map(\.name)
    }

    static func precedes(_ left: [UInt8], _ right: [UInt8]) -> Bool {
        let common = min(left.count, right.count)
        let order = common == 0 ? 0 : left.withUnsafeBufferPointer { a in
            right.withUnsafeBufferPointer { b in memcmp(a.baseAddress!, b.baseAddress!, common) }
        }
        return order != 0 ? order < 0 : left.count < right.count
    }

    /// Points `name` at a commit (which never has a peeled line).
    mutating func set(_ name: String, to id: String) {
        guard entries[name]?.id != id || entries[name]?.peeled != nil else { return }
        entries[name] = (id, nil)
        changed = true
        var folder = Substring(name)
        while let slash = folder.lastIndex(of: "/") {
            folder = folder[..<slash]
            foldersOfAdded.insert(String(folder))
        }
    }

    /// Sorted by the bytes of the names, as git reads them (its `sorted`
    /// trait lets it binary-search the file); the traits stay what they were,
    /// plus `sorted`.
    func serialized() -> [UInt8] {
        var header = traits
        if !header.contains("sorted") { header.append("sorted") }
        var out = Array("# pack-refs with: \(header.joined(separator: " ")) \n".utf8)
        let names = Self.sorted(Array(entries.keys))
        out.reserveCapacity(out.count + names.count * 90)
        for name in names {
            guard let entry = entries[name] else { continue }
            out += Array(entry.id.utf8)
            out.append(UInt8(ascii: " "))
            out += Array(name.utf8)
            out.append(UInt8(ascii: "\n"))
            if let peeled = entry.peeled {
                out.append(UInt8(ascii: "^"))
                out += Array(peeled.utf8)
                out.append(UInt8(ascii: "\n"))
            }
        }
        return out
    }

    static func parent(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "" }
        return String(path[..<slash])
    }
}
