import Foundation
import KanbotsGit

/// Record messages by commit id, kept in `.git/kanbots/cache/records-v1` so
/// `board` does not inflate ten thousand commits on every call.
///
/// Derived data, safe to delete: a commit id names its content, so an entry
/// can never go stale, only unused. The file is rewritten (whole, then
/// renamed into place) when records were added or dropped since it was
/// written. Format: a header line, then per record
/// `<commit hex> <byte count>\n<message bytes>\n`.
struct RecordCache {
    static let header = Array("kanbots-record-cache v1\n".utf8)
    let path: String
    private(set) var messages: [String: String] = [:]
    private(set) var isStale = false

    init(stateDirectory: String) {
        path = stateDirectory + "/cache/records-v1"
        guard let data = FileManager.default.contents(atPath: path) else { return }
        messages = Self.parse([UInt8](data)) ?? [:]
    }

    /// The message of `commit`, from the cache or else from git (and then
    /// remembered for the next `save`).
    mutating func message(of commit: ObjectID, in git: Repository) throws -> String {
        if let known = messages[commit.hex] { return known }
        let message = try git.commitMessage(commit)
        messages[commit.hex] = message
        isStale = true
        return message
    }

    /// Writes the cache if it changed, keeping only `live` commits. Failures
    /// are ignored: the cache only ever saves time.
    func save(keeping live: Set<String>) {
        guard isStale || messages.count != live.count else { return }
        var bytes = Self.header
        for (commit, message) in messages where live.contains(commit) {
            let body = Array(message.utf8)
            bytes += Array("\(commit) \(body.count)\n".utf8)
            bytes += body
            bytes.append(0x0A)
        }
        let folder = (path as NSString).deletingLastPathComponent
        try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let temporary = folder + "/.records-\(getpid())-\(UUID().uuidString.prefix(8))"
        guard FileManager.default.createFile(atPath: temporary, contents: Data(bytes)) else { return }
        if rename(temporary, path) != 0 { unlink(temporary) }
    }

    /// Nil when the file is not a complete cache of this version.
    static func parse(_ bytes: [UInt8]) -> [String: String]? {
        guard bytes.starts(with: header) else { return nil }
        var messages: [String: String] = [:]
        var index = header.count
        while index < bytes.count {
            guard index + 42 <= bytes.count, bytes[index + 40] == 0x20 else { return nil }
            let commit = String(decoding: bytes[index..<index + 40], as: UTF8.self)
            var cursor = index + 41
            var length = 0
            while cursor < bytes.count, bytes[cursor] != 0x0A {
                guard (48...57).contains(bytes[cursor]) else { return nil }
                length = length * 10 + Int(bytes[cursor] - 48)
                cursor += 1
            }
            let start = cursor + 1
            guard start + length < bytes.count, bytes[start + length] == 0x0A else { return nil }
            messages[commit] = String(decoding: bytes[start..<start + length], as: UTF8.self)
            index = start + length + 1
        }
        return messages
    }
}
