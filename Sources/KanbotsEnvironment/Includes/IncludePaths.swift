import KanbotsCore
import KanbotsSystem

/// Path arithmetic for `WorktreeIncludes`, on repository-relative paths as
/// git's `ls-files` prints them (a folder ends in "/").
enum IncludePaths {
    /// Whether anything (a dangling symlink too) is at `path`.
    static func exists(_ path: String) -> Bool {
        var info = stat()
        return lstat(path, &info) == 0
    }

    static func isSame(_ path: String, orUnder folder: String) -> Bool {
        path == folder || path.hasPrefix(folder + "/")
    }

    /// The folders above `path`, each ending in "/": "a/b/c" → "a/", "a/b/".
    static func folders(above path: String) -> [String] {
        var parts = path.split(separator: "/").map(String.init)
        parts.removeLast()
        var prefix = ""
        return parts.map { part in
            prefix += part + "/"
            return prefix
        }
    }

    /// Paths in both listings, where a folder of one covers everything under
    /// it: included ".venv/" and ignored ".venv/" give ".venv" (once, for the
    /// record); included "build/" and ignored "build/x.o" give "build/x.o".
    /// Sorted, without the trailing "/", none under another.
    static func intersection(_ included: [String], _ ignored: [String]) -> [String] {
        let inIncluded = Set(included), inIgnored = Set(ignored)
        var both = Set(included.filter { inIgnored.contains($0) || folders(above: $0).contains(where: inIgnored.contains) })
        both.formUnion(ignored.filter { folders(above: $0).contains(where: inIncluded.contains) })
        // git lists a wholly included folder and, oddly, its files as well.
        return both.filter { !folders(above: $0).contains(where: both.contains) }
            .map { $0.hasSuffix("/") ? String($0.dropLast()) : $0 }
            .sorted()
    }

    /// Whether a `.worktreeinclude` pattern names a path outside the
    /// repository: `..` climbing above its root, or an absolute path of
    /// this machine ("/home/me/.env": gitignore would read it as
    /// `<root>/home/me/.env`, which is not what was meant).
    static func escapesRoot(_ pattern: String, root: String) -> Bool {
        var depth = 0
        for part in pattern.split(separator: "/") {
            if part == ".." {
                depth -= 1
                if depth < 0 { return true }
            } else if part != "." {
                depth += 1
            }
        }
        guard pattern.hasPrefix("/"), let first = pattern.split(separator: "/").first else { return false }
        return !exists(root + "/" + first) && exists("/" + first)
    }
}

/// What `WorktreeIncludes.apply` made, so a failure can take it all back.
struct CreatedPaths {
    private var paths: [String] = []

    mutating func add(_ path: String) { paths.append(path) }

    /// Creates the missing folders between `root` and `target`. An existing
    /// non-folder in the way (a file, or a symlink that could lead the copy
    /// out of the worktree) is an error.
    mutating func makeParents(of target: String, inside root: String) throws {
        let relative = String(target.dropFirst(root.count + 1))
        for folder in IncludePaths.folders(above: relative) {
            let path = root + "/" + String(folder.dropLast())
            var info = stat()
            if lstat(path, &info) == 0 {
                guard info.st_mode & S_IFMT == S_IFDIR else {
                    throw FileCloningError("create the folder \(path)", code: ENOTDIR, reason: "a file is in the way")
                }
                continue
            }
            guard mkdir(path, 0o755) == 0 else { throw FileCloningError("create the folder \(path)") }
            paths.append(path)
        }
    }

    /// Removes what was made, newest first.
    mutating func removeAll() {
        for path in paths.reversed() {
            var info = stat()
            guard lstat(path, &info) == 0 else { continue }
            if info.st_mode & S_IFMT == S_IFDIR {
                try? FileManager.default.removeItem(atPath: path)
            } else {
                unlink(path)
            }
        }
        paths.removeAll()
    }
}
