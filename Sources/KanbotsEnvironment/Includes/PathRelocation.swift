import KanbotsCore
import KanbotsSystem

/// Rewrites the absolute paths a prepared environment holds to itself when
/// its folder moves.
///
/// Why: the worktree pool prepares an environment (a virtualenv with an
/// editable install, `node_modules`) in `.kanbots/pool/pool-xxxx`, and a
/// dispatch then *moves* the folder to `.kanbots/worktrees/issue-N-…`. The
/// tools wrote absolute paths: script shebangs (`#!/abs/.venv/bin/python`),
/// `pyvenv.cfg`'s `command =`, editable installs' `.pth` and `__editable__*`
/// files, `direct_url.json`. The slow part, finding those files, runs when
/// the entry is prepared; the dispatch only rewrites the few it found.
public enum PathRelocation {
    /// Largest file searched: paths live in small text files, and a big one
    /// would cost the dispatch its rewrite.
    static let largestFile = 4 << 20
    /// A NUL byte in this much of a file's start marks it binary (a `.pyc`,
    /// a shared library): rewriting a path of another length would break it.
    static let binaryProbe = 8 << 10

    /// Text files under `root` (not under `.git`, regular files up to 4 MB,
    /// no NUL byte in the first 8 KB) that mention the absolute path `root`
    /// itself, and symlinks whose target text does (never followed).
    /// Relative paths, sorted.
    public static func files(mentioning root: String) -> [String] {
        files(mentioning: root, under: root)
    }

    /// Text files under `root` that mention `text` as a whole path (see
    /// `relocate`): after a move, `files(mentioning: old, under: new)` is
    /// what was missed.
    public static func files(mentioning text: String, under root: String) -> [String] {
        let needle = Array(text.utf8)
        var found: [String] = []
        var folders = [""]
        while let folder = folders.popLast() {
            let absolute = folder.isEmpty ? root : root + "/" + folder
            for name in (try? FileCloning.entries(of: absolute)) ?? [] where name != ".git" {
                let relative = folder.isEmpty ? name : folder + "/" + name
                var info = stat()
                guard lstat(root + "/" + relative, &info) == 0 else { continue }
                switch info.st_mode & S_IFMT {
                case S_IFDIR:
                    folders.append(relative)
                case S_IFLNK:
                    // A link to its own folder by absolute path (some tools make them).
                    if let text = try? FileCloning.linkText(root + "/" + relative),
                       !occurrences(of: needle, in: Array(text.utf8)).isEmpty {
                        found.append(relative)
                    }
                case S_IFREG where Int(info.st_size) <= largestFile && info.st_size >= needle.count:
                    if let bytes = readText(root + "/" + relative), !occurrences(of: needle, in: bytes).isEmpty {
                        found.append(relative)
                    }
                default:
                    continue
                }
            }
        }
        return found.sorted()
    }

    /// Replaces every whole-path occurrence of `oldRoot` by `newRoot` in
    /// `files` (relative to `newRoot`, where they now are), each written
    /// through a temporary file and a rename with its mode kept. An
    /// occurrence is whole when the next byte cannot continue a file name,
    /// so `/x/pool-ab` never rewrites `/x/pool-abc`. Returns how many files
    /// changed; a listed file that is gone is skipped.
    @discardableResult
    public static func relocate(_ files: [String], from oldRoot: String, to newRoot: String) throws -> Int {
        let needle = Array(oldRoot.utf8), replacement = Array(newRoot.utf8)
        var changed = 0
        for file in files {
            let path = newRoot + "/" + file
            if let text = try? FileCloning.linkText(path) {
                let found = occurrences(of: needle, in: Array(text.utf8))
                guard !found.isEmpty else { continue }
                try replaceLink(at: path, with: replacing(found, of: needle, in: Array(text.utf8), by: replacement))
                changed += 1
                continue
            }
            guard let handle = OpenFile(path, .reading) else { continue }
            let bytes = [UInt8](handle.readToEnd())
            let found = occurrences(of: needle, in: bytes)
            guard !found.isEmpty else { continue }
            try replaceContents(of: path, with: replacing(found, of: needle, in: bytes, by: replacement),
                                modeOf: handle.descriptor)
            changed += 1
        }
        return changed
    }

    private static func replacing(_ found: [Int], of needle: [UInt8], in bytes: [UInt8], by replacement: [UInt8]) -> [UInt8] {
        var rewritten: [UInt8] = []
        rewritten.reserveCapacity(bytes.count + found.count * max(0, replacement.count - needle.count))
        var copiedUpTo = 0
        for start in found {
            rewritten.append(contentsOf: bytes[copiedUpTo..<start])
            rewritten.append(contentsOf: replacement)
            copiedUpTo = start + needle.count
        }
        rewritten.append(contentsOf: bytes[copiedUpTo...])
        return rewritten
    }

    /// A new link made aside and renamed over the old one.
    private static func replaceLink(at path: String, with text: [UInt8]) throws {
        let temporary = PathName.parent(of: path) + "/.kanbots-relocate-\(getpid())-\(PathName.lastComponent(of: path))"
        unlink(temporary)
        guard symlink(String(decoding: text, as: UTF8.self), temporary) == 0 else { throw FileCloningError("create the symlink \(temporary)") }
        guard rename(temporary, path) == 0 else {
            let failure = FileCloningError("replace \(path)")
            unlink(temporary)
            throw failure
        }
    }

    /// The file's bytes, or nil for a binary file or one that cannot be read.
    private static func readText(_ path: String) -> [UInt8]? {
        guard let handle = OpenFile(path, .reading) else { return nil }
        let start = handle.read(upTo: binaryProbe)
        guard !start.contains(0) else { return nil }
        return [UInt8](start.count < binaryProbe ? start : start + handle.readToEnd())
    }

    /// Where `needle` starts in `bytes` as a whole path: the next byte is not
    /// one a file name goes on with (letters, digits, `.`, `_`, `-`, UTF-8).
    static func occurrences(of needle: [UInt8], in bytes: [UInt8]) -> [Int] {
        guard !needle.isEmpty, bytes.count >= needle.count else { return [] }
        var starts: [Int] = []
        var index = 0
        let lastStart = bytes.count - needle.count
        while index <= lastStart {
            guard bytes[index] == needle[0], bytes[index..<index + needle.count].elementsEqual(needle) else {
                index += 1
                continue
            }
            let end = index + needle.count
            if end == bytes.count || !continuesName(bytes[end]) {
                starts.append(index)
                index = end
            } else {
                index += 1
            }
        }
        return starts
    }

    private static func continuesName(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
             UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "-"), 0x80...:
            true
        default:
            false
        }
    }

    /// Writes aside and renames over, so a reader (or a crash) never sees
    /// half a script; the mode (a script's execute bit) is kept.
    private static func replaceContents(of path: String, with bytes: [UInt8], modeOf source: Int32) throws {
        var info = stat()
        guard fstat(source, &info) == 0 else { throw FileCloningError("read \(path)") }
        let temporary = PathName.parent(of: path) + "/.kanbots-relocate-\(getpid())-\(PathName.lastComponent(of: path))"
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw FileCloningError("create \(temporary)") }
        var failure: FileCloningError?
        var written = 0
        while written < bytes.count, failure == nil {
            let count = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress! + written, bytes.count - written) }
            if count < 0, errno == EINTR { continue }
            if count <= 0 { failure = FileCloningError("write \(temporary)") } else { written += count }
        }
        if failure == nil, fchmod(descriptor, info.st_mode & 0o7777) != 0 { failure = FileCloningError("set the mode of \(temporary)") }
        close(descriptor)
        if failure == nil, rename(temporary, path) != 0 { failure = FileCloningError("replace \(path)") }
        if let failure {
            unlink(temporary)
            throw failure
        }
    }
}
