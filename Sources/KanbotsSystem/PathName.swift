// What the long-lived processes need from full Foundation's NSString and
// Thread, on FoundationEssentials and the C library (see PortableText.swift).

/// Paths as text, with `NSString`'s rules: trailing slashes do not count,
/// and the parent of a top-level name is "/".
public enum PathName {
    /// "/a/b/c" → "/a/b"; "/a" → "/"; "a" → "".
    public static func parent(of path: String) -> String {
        let trimmed = path.count > 1 && path.hasSuffix("/") ? String(path.reversed().drop { $0 == "/" }.reversed()) : path
        guard let slash = trimmed.lastIndex(of: "/") else { return "" }
        return slash == trimmed.startIndex ? "/" : String(trimmed[..<slash])
    }

    /// "/a/b/c" → "c"; "/a/b/" → "b".
    public static func lastComponent(of path: String) -> String {
        let parts = path.split(separator: "/")
        return parts.last.map(String.init) ?? (path.hasPrefix("/") ? "/" : path)
    }

    /// The size in bytes of the file at `path`, or nil if it cannot be read.
    /// (Not `FileManager`'s attributes: their number types differ between
    /// Foundation and FoundationEssentials, and a cast that fails is silent.)
    public static func fileSize(_ path: String) -> Int? {
        var info = stat()
        return stat(path, &info) == 0 ? Int(info.st_size) : nil
    }

    /// The folder for temporary files: `TMPDIR`, else /tmp; no trailing slash.
    public static var temporaryDirectory: String {
        let configured = ProcessInfo.processInfo.environment["TMPDIR"] ?? ""
        return configured.isEmpty ? "/tmp" : (configured.count > 1 && configured.hasSuffix("/") ? String(configured.dropLast()) : configured)
    }

    /// The user's home folder: `HOME`, else the password database.
    public static var home: String {
        if let home = ProcessInfo.processInfo.environment["HOME"], !home.isEmpty { return home }
        if let entry = getpwuid(getuid()), let directory = entry.pointee.pw_dir { return String(cString: directory) }
        return "/"
    }
}

/// Blocks the calling thread for `seconds`, resuming after a signal.
public func sleepThread(seconds: Double) {
    guard seconds > 0 else { return }
    var request = timespec(tv_sec: Int(seconds), tv_nsec: Int((seconds - seconds.rounded(.down)) * 1_000_000_000))
    var remaining = timespec()
    while nanosleep(&request, &remaining) != 0, errno == EINTR { request = remaining }
}
