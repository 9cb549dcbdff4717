import KanbotsCore

/// A hash of the files that hold run refs (`packed-refs` and every loose
/// `refs/kanbots/runs/*`, including one that does not parse: it hides its
/// packed value): inode, size, change and modification times. Equal
/// fingerprints mean no run ref was written meanwhile, so the listing read
/// last time still holds and ten thousand ref files need not be read again.
///
/// git and libgit2 write a ref to a lock file and rename it into place, which
/// gives the file a new inode and the folder a new time; a hand edit in place
/// changes the file's times. Either changes the fingerprint. Timestamps are
/// only as fine as the file system's clock tick, so, as git does for its
/// index ("racy git"), a file touched in the last two seconds makes the
/// fingerprint unusable (nil): the caller then reads the refs.
enum RefsFingerprint {
    static let racyWindow: TimeInterval = 2

    /// One look at the ref files.
    struct Reading {
        /// Nil when some file is too fresh to trust, or not a plain file.
        var value: UInt64?
        /// The loose ref files' names in the runs folder (not full ref
        /// names), or nil when the folder also holds something else (a
        /// subfolder): then only a full walk finds every ref.
        var looseNames: [String]?
    }

    /// Hashed first, so a fingerprint stored by a binary that read refs by
    /// another rule never matches. 2: a loose file that does not parse hides
    /// its packed value (before, a snapshot could hold that stale value
    /// under an unchanged fingerprint).
    static let listingRule: Int64 = 2

    static func current(commonDirectory: String, prefix: String, now: Date = Date()) -> Reading {
        var hash = Hasher64()
        hash.add(listingRule)
        let limit = now.timeIntervalSince1970 - racyWindow
        var usable = add(commonDirectory + "/packed-refs", at: nil, to: &hash, notAfter: limit, missingIsFine: true)
        let folder = commonDirectory + "/" + prefix.trimming(charactersIn: "/")
        usable = add(folder, at: nil, to: &hash, notAfter: limit, missingIsFine: true) && usable
        guard let directory = opendir(folder) else {
            let missing = errno == ENOENT
            return Reading(value: usable && missing ? hash.value : nil, looseNames: missing ? [] : nil)
        }
        defer { closedir(directory) }
        var names: [String] = []
        var onlyFiles = true, sawUntyped = false
        while let item = readdir(directory) {
            let name = withUnsafeBytes(of: item.pointee.d_name) { raw in
                String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
            guard name != ".", name != ".." else { continue }
            switch Int32(item.pointee.d_type) {
            case Int32(DT_REG): break
            case Int32(DT_UNKNOWN): sawUntyped = true
            default: onlyFiles = false
            }
            names.append(name)
        }
        // readdir's order is the file system's; the fingerprint must not be.
        names.sort()
        // Each file is looked up from the open folder: one path component
        // instead of the whole path, ten thousand times.
        let folderDescriptor = dirfd(directory)
        for name in names {
            hash.add(Array(name.utf8))
            guard add(name, at: folderDescriptor, to: &hash, notAfter: limit, missingIsFine: false, fileOnly: true) else {
                usable = false
                break
            }
        }
        // Names readdir gave no type for were checked only up to the first
        // file that stopped the loop.
        let complete = onlyFiles && (usable || !sawUntyped)
        return Reading(value: usable ? (hash.value == 0 ? 1 : hash.value) : nil, looseNames: complete ? names : nil)
    }

    /// Adds one file's identity; false when it is too fresh to trust, a
    /// folder where a file was expected, or unreadable. `path` is relative
    /// to `folder` when one is given.
    private static func add(
        _ path: String, at folder: Int32?, to hash: inout Hasher64, notAfter limit: TimeInterval, missingIsFine: Bool,
        fileOnly: Bool = false
    ) -> Bool {
        var info = stat()
        guard fstatat(folder ?? AT_FDCWD, path, &info, AT_SYMLINK_NOFOLLOW) == 0 else {
            hash.add([0])
            return missingIsFine && errno == ENOENT
        }
        if fileOnly, (info.st_mode & S_IFMT) != S_IFREG { return false }
        #if os(Linux)
        let modified = (Int64(info.st_mtim.tv_sec), Int64(info.st_mtim.tv_nsec))
        let changed = (Int64(info.st_ctim.tv_sec), Int64(info.st_ctim.tv_nsec))
        #else
        let modified = (Int64(info.st_mtimespec.tv_sec), Int64(info.st_mtimespec.tv_nsec))
        let changed = (Int64(info.st_ctimespec.tv_sec), Int64(info.st_ctimespec.tv_nsec))
        #endif
        if Double(max(modified.0, changed.0)) >= limit { return false }
        for value in [Int64(bitPattern: UInt64(info.st_ino)), Int64(info.st_size), modified.0, modified.1, changed.0, changed.1] {
            hash.add(value)
        }
        return true
    }
}

/// FNV-1a, 64 bits: stable across runs and platforms (Swift's `Hasher` is
/// seeded per process, so it cannot be stored).
struct Hasher64 {
    private(set) var value: UInt64 = 0xcbf2_9ce4_8422_2325

    mutating func add(_ number: Int64) {
        var rest = UInt64(bitPattern: number)
        for _ in 0..<8 {
            value ^= rest & 0xff
            value = value &* 0x100_0000_01b3
            rest >>= 8
        }
    }

    mutating func add(_ bytes: [UInt8]) { bytes.withUnsafeBytes { add($0) } }

    mutating func add(_ bytes: UnsafeRawBufferPointer) {
        for byte in bytes {
            value ^= UInt64(byte)
            value = value &* 0x100_0000_01b3
        }
    }
}
