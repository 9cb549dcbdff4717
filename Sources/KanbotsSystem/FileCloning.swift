/// Copies files and trees the cheapest way the file system allows: a reflink
/// (the copy shares the source's blocks until either is written, so a 500 MB
/// `.venv` or `node_modules` is brought into a worktree in milliseconds and
/// costs no space), else a plain copy. Modes and times are kept: tools
/// compare times (Python's `.pyc` against its source, make), and a script
/// that loses its execute bit breaks a virtualenv.
public enum FileCloning {
    /// Copies one regular file to `target`, which must not exist (a copy
    /// never overwrites, nor follows a symlink planted at the target).
    /// A reflink (ioctl FICLONE, Linux) where the file system supports it,
    /// else a plain copy in chunks; keeps the mode bits and times. On failure
    /// the partial target is removed and the error keeps the system's reason
    /// (a full disk reads "No space left on device", as `DiskSpace` expects).
    public static func copyFile(from source: String, to target: String) throws {
        let input = open(source, O_RDONLY | O_CLOEXEC)
        guard input >= 0 else { throw FileCloningError("read \(source)") }
        defer { close(input) }
        var info = stat()
        guard fstat(input, &info) == 0 else { throw FileCloningError("read \(source)") }
        guard info.st_mode & S_IFMT == S_IFREG else {
            throw FileCloningError("copy \(source)", code: EINVAL, reason: "not a regular file")
        }
        // Private until its content and mode are in place.
        let output = open(target, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard output >= 0 else { throw FileCloningError("create \(target)") }
        var finished = false
        defer {
            close(output)
            if !finished { unlink(target) }
        }
        if !reflink(input, to: output) { try copyContents(input, to: output, size: Int(info.st_size), target: target) }
        guard fchmod(output, info.st_mode & 0o7777) == 0 else { throw FileCloningError("set the mode of \(target)") }
        keepTimes(of: info, on: output)
        finished = true
    }

    /// Copies a tree to `target`, which must not exist: files (reflinked
    /// where possible), folders, and symlinks recreated as symlinks with the
    /// same target text (a link inside a `.venv` to the system's python stays
    /// one). Modes are kept; sockets, pipes and devices are left out. Returns
    /// the bytes of the regular files copied. On failure nothing of the
    /// target is left and the error is the first one met.
    public static func copyTree(from source: String, to target: String) throws -> Int64 {
        var existing = stat()
        guard lstat(target, &existing) != 0 else {
            throw FileCloningError("create \(target)", code: EEXIST)
        }
        do {
            return try copyEntry(from: source, to: target)
        } catch {
            try? FileManager.default.removeItem(atPath: target)
            throw error
        }
    }

    private static func copyEntry(from source: String, to target: String) throws -> Int64 {
        var info = stat()
        guard lstat(source, &info) == 0 else { throw FileCloningError("read \(source)") }
        switch info.st_mode & S_IFMT {
        case S_IFREG:
            try copyFile(from: source, to: target)
            return Int64(info.st_size)
        case S_IFLNK:
            let text = try linkText(source)
            guard symlink(text, target) == 0 else { throw FileCloningError("create the symlink \(target)") }
            return 0
        case S_IFDIR:
            guard mkdir(target, 0o700) == 0 else { throw FileCloningError("create the folder \(target)") }
            var bytes: Int64 = 0
            for name in try entries(of: source) {
                bytes += try copyEntry(from: source + "/" + name, to: target + "/" + name)
            }
            // Last: a read-only folder must first be filled.
            guard chmod(target, info.st_mode & 0o7777) == 0 else { throw FileCloningError("set the mode of \(target)") }
            return bytes
        default:
            // A socket or pipe belongs to a process of the source's checkout,
            // and devices have no business in a project's folder.
            return 0
        }
    }

    /// The names in a folder, without "." and "..", in no particular order
    /// (for walks like this one that must see symlinks as symlinks).
    public static func entries(of directory: String) throws -> [String] {
        guard let stream = opendir(directory) else { throw FileCloningError("list \(directory)") }
        defer { closedir(stream) }
        var names: [String] = []
        while let entry = readdir(stream) {
            let name = withUnsafePointer(to: &entry.pointee.d_name) {
                $0.withMemoryRebound(to: CChar.self, capacity: MemoryLayout.size(ofValue: entry.pointee.d_name)) {
                    String(cString: $0)
                }
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }

    /// What a symlink holds, as text, unresolved.
    public static func linkText(_ path: String) throws -> String {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let count = readlink(path, &buffer, buffer.count - 1)
        guard count >= 0 else { throw FileCloningError("read the symlink \(path)") }
        return String(decoding: buffer[..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Shares the source's blocks (Btrfs, XFS, bcachefs, overlayfs on those);
    /// false where the file system cannot, and the caller copies instead.
    private static func reflink(_ input: Int32, to output: Int32) -> Bool {
        #if os(Linux)
        let ficlone: UInt = 0x4004_9409  // _IOW(0x94, 9, int)
        return ioctl(output, ficlone, input) == 0
        #else
        return false
        #endif
    }

    private static func copyContents(_ input: Int32, to output: Int32, size: Int, target: String) throws {
        // Sized to the file: a `node_modules` is a hundred thousand small files.
        var buffer = [UInt8](repeating: 0, count: min(max(size, 4096), 1 << 20))
        while true {
            let count = read(input, &buffer, buffer.count)
            if count < 0, errno == EINTR { continue }
            guard count >= 0 else { throw FileCloningError("read for \(target)") }
            if count == 0 { return }
            var written = 0
            while written < count {
                let step = buffer.withUnsafeBytes { write(output, $0.baseAddress! + written, count - written) }
                if step < 0, errno == EINTR { continue }
                guard step > 0 else { throw FileCloningError("write \(target)") }
                written += step
            }
        }
    }

    private static func keepTimes(of info: stat, on descriptor: Int32) {
        #if canImport(Darwin)
        var times = [info.st_atimespec, info.st_mtimespec]
        #else
        var times = [info.st_atim, info.st_mtim]
        #endif
        _ = futimens(descriptor, &times)
    }
}

/// A copy that failed: what it was doing and the system's reason, on one line.
public struct FileCloningError: Error, CustomStringConvertible, Sendable {
    /// What failed, e.g. "write /repo/.kanbots/worktrees/x/.venv/lib/big.so".
    public let operation: String
    /// The system's error number (`ENOSPC` for a full disk).
    public let code: Int32
    let reason: String

    /// Takes `errno`, so it must be made right after the call that failed.
    public init(_ operation: String, code: Int32 = errno, reason: String? = nil) {
        self.operation = operation
        self.code = code
        self.reason = reason ?? String(cString: strerror(code))
    }

    public var isOutOfSpace: Bool { code == ENOSPC || code == EDQUOT }

    public var description: String { "cannot \(operation): \(reason)" }
}
