import Foundation
import KanbotsCore

/// Predictions are pure functions of commit ids, so they are cached by them
/// in `.git/kanbots/cache/review-v1`. The file is derived and deletable: a
/// missing, damaged or foreign file is ignored and rebuilt, giving the same
/// output, only slower.
///
/// A line format rather than JSON: the board reads it on every call, and
/// Foundation's decoder cost more than everything else review does warm.
///
///     kanbots-review-cache v1
///     R <run tip> <base tip> <merge base> <behind>   facts of a run against its base's tip,
///     F <status> <added> <removed> <path>            followed by its changed files
///     B <path>                                       and paths that conflict with the base
///     P <tip> <tip>                                  a pair of run tips (sorted),
///     X <path>                                       followed by the paths that conflict
///
/// Paths are the rest of their line, with `%` and newlines written `%25`, `%0A`.
/// The pairs (one per two runs sharing a path: tens of thousands when many
/// runs touch one file) are in a file of their own, `review-pairs-v1`, in the
/// same format, read only when a pair is looked up: a warm board answered by
/// `ConflictGraphCache` never reads them.
struct ReadinessCache {
    /// What a run's tip says against its base's tip.
    struct BaseFacts: Equatable {
        var mergeBase: String
        var behind: Int
        var files: [ChangedFile]
        var baseConflicts: [String]
    }

    private struct Contents {
        /// Keyed `<run tip> <base tip>`.
        var runs: [String: BaseFacts] = [:]
        /// Keyed by the two tips, sorted, space-separated: the paths both
        /// runs changed that do not merge.
        var pairs: [String: [String]] = [:]
    }

    static let header = "kanbots-review-cache v1"
    let path: String
    let pairsPath: String
    private var contents: Contents
    private var used = Contents()
    private var changedRuns = false
    private var changedPairs = false
    private var pairsRead = false

    init(stateDirectory: String) {
        path = stateDirectory + "/cache/review-v1"
        pairsPath = stateDirectory + "/cache/review-pairs-v1"
        contents = Contents(runs: Self.read(path)?.runs ?? [:])
    }

    mutating func baseFacts(tip: String, baseTip: String, compute: () throws -> BaseFacts) rethrows -> BaseFacts {
        let key = tip + " " + baseTip
        let value = try contents.runs[key] ?? computed(compute, &changedRuns)
        used.runs[key] = value
        return value
    }

    /// Called for every pair of runs that share a path (tens of thousands
    /// when many runs touch one file): the tables are written in place, not
    /// through a key path, which could copy a table per call.
    mutating func pairConflicts(_ one: String, _ other: String, compute: () throws -> [String]) rethrows -> [String] {
        if !pairsRead {
            // A damaged pair file costs only the merges it held.
            contents.pairs = Self.read(pairsPath)?.pairs ?? [:]
            pairsRead = true
        }
        let key = one < other ? one + " " + other : other + " " + one
        let value = try contents.pairs[key] ?? computed(compute, &changedPairs)
        used.pairs[key] = value
        return value
    }

    /// `compute`'s value, noting that its file must be written again.
    private func computed<Value>(_ compute: () throws -> Value, _ changed: inout Bool) rethrows -> Value {
        changed = true
        return try compute()
    }

    /// Keeps only what this pass used, so the files never grow past the
    /// work in flight. Written to a temporary file and renamed: a reader
    /// never sees half a file. A failure to write only costs speed.
    /// Each file is written only when this pass changed what it holds; pairs
    /// never read in this pass stay as they were (valid for as long as their
    /// tips; the next pass that reads them prunes).
    func save() {
        if changedRuns || used.runs.count != contents.runs.count { Self.write(Contents(runs: used.runs), to: path) }
        if pairsRead, changedPairs || used.pairs.count != contents.pairs.count {
            Self.write(Contents(pairs: used.pairs), to: pairsPath)
        }
    }

    private static func write(_ contents: Contents, to path: String) {
        let folder = (path as NSString).deletingLastPathComponent
        try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let temporary = path + ".\(getpid()).tmp"
        guard FileManager.default.createFile(atPath: temporary, contents: Data(format(contents).utf8)) else { return }
        if rename(temporary, path) != 0 { try? FileManager.default.removeItem(atPath: temporary) }
    }

    /// A file's tables; nil when it is missing or not a complete file of this version.
    private static func read(_ path: String) -> (runs: [String: BaseFacts], pairs: [String: [String]])? {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        return parse(data).map { ($0.runs, $0.pairs) }
    }

    private static func format(_ contents: Contents) -> String {
        var lines = [header]
        for (key, facts) in contents.runs.sorted(by: { $0.key < $1.key }) {
            lines.append("R \(key) \(facts.mergeBase) \(facts.behind)")
            for file in facts.files {
                lines.append("F \(file.status) \(file.linesAdded) \(file.linesRemoved) \(escape(file.path))")
            }
            lines += facts.baseConflicts.map { "B " + escape($0) }
        }
        for (key, paths) in contents.pairs.sorted(by: { $0.key < $1.key }) {
            lines.append("P " + key)
            lines += paths.map { "X " + escape($0) }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Nil for anything but a complete file of this version.
    private static func parse(_ data: Data) -> Contents? {
        let bytes = [UInt8](data)
        let first = Array(header.utf8) + [newline]
        guard bytes.starts(with: first), bytes.last == newline else { return nil }
        return parseLines(bytes[first.count...])
    }

    /// Works on bytes: splitting Strings by Character cost more than the
    /// rest of a warm board. Nil when a line is not of this version.
    private static func parseLines(_ bytes: ArraySlice<UInt8>) -> Contents? {
        var lines = Self.pieces(of: bytes, by: newline)
        if lines.last?.isEmpty == true { lines.removeLast() }
        var contents = Contents()
        var run: (key: String, facts: BaseFacts)?
        var pair: (key: String, paths: [String])?
        func flush() {
            if let run { contents.runs[run.key] = run.facts }
            if let pair { contents.pairs[pair.key] = pair.paths }
            run = nil
            pair = nil
        }
        for line in lines {
            guard line.count > 2, line[line.startIndex + 1] == space else { return nil }
            let rest = line[(line.startIndex + 2)...]
            switch line[line.startIndex] {
            case UInt8(ascii: "R"):
                let fields = Self.pieces(of: rest, by: space)
                guard fields.count == 4, let behind = Int(text(fields[3])) else { return nil }
                flush()
                run = (text(fields[0]) + " " + text(fields[1]),
                       BaseFacts(mergeBase: text(fields[2]), behind: behind, files: [], baseConflicts: []))
            case UInt8(ascii: "F"):
                let fields = rest.split(separator: space, maxSplits: 3, omittingEmptySubsequences: false)
                guard run != nil, fields.count == 4, let added = Int(text(fields[1])),
                      let removed = Int(text(fields[2])) else { return nil }
                run?.facts.files.append(ChangedFile(path: path(fields[3]), status: text(fields[0]),
                                                    linesAdded: added, linesRemoved: removed))
            case UInt8(ascii: "B"):
                guard run != nil else { return nil }
                run?.facts.baseConflicts.append(path(rest))
            case UInt8(ascii: "P"):
                guard rest.split(separator: space).count == 2 else { return nil }
                flush()
                pair = (text(rest), [])
            case UInt8(ascii: "X"):
                guard pair != nil else { return nil }
                pair?.paths.append(path(rest))
            default:
                return nil
            }
        }
        flush()
        return contents
    }

    static let newline = UInt8(ascii: "\n"), space = UInt8(ascii: " ")

    /// `bytes` split at every `separator`, empty pieces kept: what
    /// `split(separator:omittingEmptySubsequences: false)` gives, at a fraction
    /// of its cost per byte (it calls a closure for each).
    static func pieces(of bytes: ArraySlice<UInt8>, by separator: UInt8) -> [ArraySlice<UInt8>] {
        var pieces: [ArraySlice<UInt8>] = []
        var start = bytes.startIndex
        while let end = bytes[start...].firstIndex(of: separator) {
            pieces.append(bytes[start..<end])
            start = end + 1
        }
        pieces.append(bytes[start...])
        return pieces
    }

    private static func text(_ bytes: ArraySlice<UInt8>) -> String { String(decoding: bytes, as: UTF8.self) }

    /// A path: the rest of a line, unescaped (`ConflictGraphCache` reads its paths so too).
    static func path(_ bytes: ArraySlice<UInt8>) -> String {
        let value = text(bytes)
        guard bytes.contains(UInt8(ascii: "%")) else { return value }
        return unescape(value)
    }

    /// Paths in the cache files: the rest of a line, `%` and newlines escaped.
    static func unescape(_ path: String) -> String {
        guard path.contains("%") else { return path }
        return path.replacingOccurrences(of: "%0A", with: "\n").replacingOccurrences(of: "%25", with: "%")
    }

    static func escape(_ path: String) -> String {
        path.replacingOccurrences(of: "%", with: "%25").replacingOccurrences(of: "\n", with: "%0A")
    }
}
