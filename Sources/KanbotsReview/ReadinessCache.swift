import Foundation
import KanbotsCore

/// Predictions are pure functions of commit ids, so they are cached by them
/// in `.git/kanbots/cache/review.json`. The file is derived and deletable: a
/// missing, damaged or foreign file is ignored and rebuilt, giving the same
/// output, only slower.
struct ReadinessCache {
    /// What a run's tip says against its base's tip.
    struct BaseFacts: Codable, Equatable {
        var mergeBase: String
        var behind: Int
        var files: [ChangedFile]
        var baseConflicts: [String]
    }

    private struct Contents: Codable {
        var version: Int
        /// Keyed `<run tip> <base tip>`.
        var runs: [String: BaseFacts]
        /// Keyed by the two tips, sorted, space-separated: the paths both
        /// runs changed that do not merge.
        var pairs: [String: [String]]
    }

    static let version = 1
    let path: String
    private var contents: Contents
    private var used = Contents(version: version, runs: [:], pairs: [:])
    private var changed = false

    init(stateDirectory: String) {
        path = stateDirectory + "/cache/review.json"
        let loaded = (try? Data(contentsOf: URL(fileURLWithPath: path)))
            .flatMap { try? JSONDecoder().decode(Contents.self, from: $0) }
        contents = loaded?.version == Self.version ? loaded! : Contents(version: Self.version, runs: [:], pairs: [:])
    }

    mutating func baseFacts(tip: String, baseTip: String, compute: () throws -> BaseFacts) rethrows -> BaseFacts {
        try lookup(\.runs, tip + " " + baseTip, compute)
    }

    mutating func pairConflicts(_ one: String, _ other: String, compute: () throws -> [String]) rethrows -> [String] {
        try lookup(\.pairs, one < other ? one + " " + other : other + " " + one, compute)
    }

    /// The cached value under `key`, else `compute`'s; either way kept for the next save.
    private mutating func lookup<Value>(_ table: WritableKeyPath<Contents, [String: Value]>, _ key: String,
                                        _ compute: () throws -> Value) rethrows -> Value {
        let value: Value
        if let cached = contents[keyPath: table][key] {
            value = cached
        } else {
            value = try compute()
            changed = true
        }
        used[keyPath: table][key] = value
        return value
    }

    /// Keeps only what this pass used, so the file never grows past the
    /// work in flight. Written to a temporary file and renamed: a reader
    /// never sees half a file. A failure to write only costs speed.
    func save() {
        guard changed || used.runs.count != contents.runs.count || used.pairs.count != contents.pairs.count else { return }
        let folder = (path as NSString).deletingLastPathComponent
        try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        guard let data = try? JSONEncoder().encode(used) else { return }
        let temporary = path + ".\(getpid()).tmp"
        guard FileManager.default.createFile(atPath: temporary, contents: data) else { return }
        if rename(temporary, path) != 0 { try? FileManager.default.removeItem(atPath: temporary) }
    }
}
