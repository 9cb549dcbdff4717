import KanbotsCore
import KanbotsSystem

/// What a prepared environment depends on, condensed into one line: a
/// pool entry whose fingerprint still matches needs no setup again when
/// the base moves (docs/environment.md, "The pool prepares environments").
///
/// It covers the repository's setup commands and links, the text of
/// `.worktreeinclude`, the size and modification time of every path it
/// brought in from the main checkout (a changed `.env` is noticed; for a
/// folder, only its own entry), and the content of the files
/// `kanbots.setup-inputs` names in the worktree (`package-lock.json`,
/// `requirements*.txt`: a glob may use wildcards in its last part only, so
/// matching reads one folder, never the whole tree).
public struct EnvironmentFingerprint: Sendable, Equatable, CustomStringConvertible {
    public let description: String

    public init(_ text: String) { description = text }

    public init(settings: EnvironmentSettings, worktree: String, mainCheckout: String, included: [String]) {
        var hash = StableHash()
        for command in settings.setupCommands { hash.add("setup", command) }
        for link in settings.links { hash.add("link", link) }
        hash.add("include-file", Self.read(mainCheckout + "/" + WorktreeIncludes.fileName) ?? Data())
        for path in included.sorted() {
            hash.add("included", path + " " + Self.stamp(of: path, in: mainCheckout))
        }
        for glob in settings.setupInputs {
            for path in Self.matches(glob, in: worktree) {
                hash.add("input", path)
                hash.add("content", Self.read(worktree + "/" + path) ?? Data())
            }
        }
        description = hash.hex
    }

    /// What the fingerprint knows of one included path of the main
    /// checkout: its size and modification time, or `missing`.
    public static func stamp(of path: String, in mainCheckout: String) -> String {
        var info = stat()
        guard lstat(mainCheckout + "/" + path, &info) == 0 else { return "missing" }
        return "\(info.st_size) \(modificationTime(info))"
    }

    /// Paths (relative) in `root` matching `glob`; wildcards in its last part only.
    static func matches(_ glob: String, in root: String) -> [String] {
        let parts = glob.split(separator: "/").map(String.init)
        guard let last = parts.last else { return [] }
        let folder = parts.dropLast().joined(separator: "/")
        let prefix = folder.isEmpty ? "" : folder + "/"
        guard last.contains(where: { "*?[".contains($0) }) else {
            return FileManager.default.fileExists(atPath: root + "/" + glob) ? [glob] : []
        }
        let names = (try? FileManager.default.contentsOfDirectory(atPath: root + "/" + folder)) ?? []
        return names.filter { fnmatch(last, $0, 0) == 0 }.sorted().map { prefix + $0 }
    }

    static func read(_ path: String) -> Data? { OpenFile(path, .reading)?.readToEnd() }

    static func modificationTime(_ info: stat) -> Int {
        #if os(Linux)
        return Int(info.st_mtim.tv_sec) * 1_000_000_000 + Int(info.st_mtim.tv_nsec)
        #else
        return Int(info.st_mtimespec.tv_sec) * 1_000_000_000 + Int(info.st_mtimespec.tv_nsec)
        #endif
    }
}

/// Two 64-bit FNV-1a hashes with different seeds: enough to tell that
/// inputs changed (not a defence against anyone forging them).
struct StableHash {
    private var first: UInt64 = 0xcbf2_9ce4_8422_2325
    private var second: UInt64 = 0x8422_2325_cbf2_9ce4

    mutating func add(_ label: String, _ text: String) { add(label, Data(text.utf8)) }

    mutating func add(_ label: String, _ data: Data) {
        // Label and length first, so no two different sequences of fields hash alike by shifting bytes.
        for byte in Data("\(label):\(data.count):".utf8) { mix(byte) }
        for byte in data { mix(byte) }
    }

    private mutating func mix(_ byte: UInt8) {
        first = (first ^ UInt64(byte)) &* 0x100_0000_01b3
        second = (second ^ UInt64(byte ^ 0x5c)) &* 0x100_0000_01b3
    }

    var hex: String { String(first, radix: 16).leftPadded(16) + String(second, radix: 16).leftPadded(16) }
}

private extension String {
    func leftPadded(_ width: Int) -> String { String(repeating: "0", count: max(0, width - count)) + self }
}
