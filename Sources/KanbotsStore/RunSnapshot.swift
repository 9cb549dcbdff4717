import Foundation
import KanbotsCore
import KanbotsGit

/// A derived snapshot of every run ref, in `.git/kanbots/cache/runs-v2`, so
/// the board need not read ten thousand refs and records on every call.
///
/// Like git-bug's cache: keyed by ref tips, updated incrementally, safe to
/// delete. An entry holds what was read at its tip (the record's text and a
/// summary that tells a settled run without parsing it) and, opaque to the
/// store, a rendering a front end attached (`board --json`'s text of a
/// settled run). A commit id names its content, so an entry can go unused,
/// never wrong. The listing itself (which refs point where) is reused only
/// while `RefsFingerprint` says no ref file changed.
///
/// Written whole to a temporary file and renamed into place, so concurrent
/// writers leave one complete snapshot; a damaged or older file is ignored.
/// Format: docs/state-format.md ("Caches").
public final class RunSnapshot {
    static let magic = Array("kanbots-run-snapshot v2\n".utf8)
    static let trailer = Array("end\n".utf8)
    public static let fileName = "runs-v2"
    /// Set (to anything) to bypass every cache: the board reads refs and
    /// records afresh and writes nothing. Tests compare both paths.
    public static let bypassVariable = "KANBOTS_NO_CACHE"
    public static var isBypassed: Bool { ProcessInfo.processInfo.environment[bypassVariable] != nil }

    public struct Summary: Sendable, Equatable {
        public var id: RunID
        public var card: Int
        public var createdAt: Date
        public var costUSD: Double
        public var isActive: Bool
        public var branch: String
    }

    struct Entry {
        var ref: String
        var tip: ObjectID
        /// Nil when the record at `tip` could not be read (it is re-read, and
        /// reported, every time).
        var summary: Summary?
        var message: String?
        var rendered: ArraySlice<UInt8>?
    }

    let path: String
    let isEnabled: Bool
    /// Entries in listing order, and where each ref's entry is.
    private(set) var entries: [Entry] = []
    private var positions: [String: Int] = [:]
    private(set) var fingerprint: UInt64 = 0
    /// Renderings are valid only for the tag they were made under (the
    /// clone, the renderer's version).
    private(set) var renderTag = ""
    private var isDirty = false

    init(stateDirectory: String) {
        path = stateDirectory + "/cache/" + Self.fileName
        isEnabled = !Self.isBypassed
        guard isEnabled, let data = FileManager.default.contents(atPath: path) else { return }
        if !parse([UInt8](data)) {
            entries = []
            positions = [:]
            fingerprint = 0
            renderTag = ""
        }
    }

    /// The listing as last seen, when `current` (a fresh fingerprint of the
    /// ref files) matches the one it was seen under.
    func listing(ifFingerprint current: UInt64?) -> [(ref: String, tip: ObjectID)]? {
        guard let current, current != 0, current == fingerprint, !entries.isEmpty else { return nil }
        return entries.map { ($0.ref, $0.tip) }
    }

    func position(of ref: String) -> Int? { positions[ref] }

    func entry(ref: String, tip: ObjectID) -> Entry? {
        guard let position = positions[ref], entries[position].tip == tip else { return nil }
        return entries[position]
    }

    /// Replaces the snapshot's listing: entries whose ref and tip are
    /// unchanged keep what they hold, the rest start from `fresh`.
    func replace(with listing: [Entry], fingerprint: UInt64) {
        if fingerprint != self.fingerprint || listing.count != entries.count
            || zip(listing, entries).contains(where: { $0.ref != $1.ref || $0.tip != $1.tip || $0.summary != $1.summary }) {
            isDirty = true
        }
        entries = listing
        positions = Dictionary(listing.enumerated().map { ($1.ref, $0) }, uniquingKeysWith: { first, _ in first })
        self.fingerprint = fingerprint
    }

    /// A front end's rendering of the run at `ref`'s current tip, made under `tag`.
    public func rendered(ref: String, tag: String) -> ArraySlice<UInt8>? {
        guard tag == renderTag, let position = positions[ref] else { return nil }
        return entries[position].rendered
    }

    /// Remembers a rendering for the next `save`; renderings under another
    /// tag are dropped.
    public func setRendered(_ bytes: [UInt8], ref: String, tag: String) {
        guard isEnabled, let position = positions[ref] else { return }
        if tag != renderTag {
            for index in entries.indices { entries[index].rendered = nil }
            renderTag = tag
        }
        entries[position].rendered = bytes[...]
        isDirty = true
    }

    /// Writes the snapshot if anything changed. Failures are ignored: the
    /// cache only ever saves time.
    public func save() {
        guard isEnabled, isDirty else { return }
        var out = ByteWriter()
        out.bytes.reserveCapacity(entries.count * 1200)
        out.bytes += Self.magic
        out.u64(fingerprint)
        out.text16(renderTag)
        out.u32(entries.count)
        for entry in entries {
            out.text16(entry.ref)
            out.bytes += entry.tip.hex.utf8
            var flags: UInt8 = 0
            if entry.summary != nil { flags |= 1 }
            if entry.summary?.isActive == true { flags |= 2 }
            if entry.rendered != nil { flags |= 4 }
            if entry.message != nil { flags |= 8 }
            out.bytes.append(flags)
            if let summary = entry.summary {
                out.u64(UInt64(bitPattern: Int64(summary.card)))
                out.u64(summary.createdAt.timeIntervalSince1970.bitPattern)
                out.u64(summary.costUSD.bitPattern)
                out.text16(summary.id.description)
                out.text16(summary.branch)
            }
            if let message = entry.message { out.blob(Array(message.utf8)[...]) }
            if let rendered = entry.rendered { out.blob(rendered) }
        }
        out.bytes += Self.trailer
        let folder = (path as NSString).deletingLastPathComponent
        try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let temporary = folder + "/.\(Self.fileName)-\(getpid())-\(UUID().uuidString.prefix(8))"
        guard FileManager.default.createFile(atPath: temporary, contents: Data(out.bytes)) else { return }
        if rename(temporary, path) != 0 { unlink(temporary) }
        isDirty = false
    }

    /// False when the bytes are not one complete snapshot of this version.
    private func parse(_ bytes: [UInt8]) -> Bool {
        guard bytes.starts(with: Self.magic), bytes.count >= Self.magic.count + Self.trailer.count,
              bytes.suffix(Self.trailer.count).elementsEqual(Self.trailer) else { return false }
        var input = ByteReader(bytes: bytes, index: Self.magic.count)
        guard let fingerprint = input.u64(), let tag = input.text16(), let count = input.u32() else { return false }
        var entries: [Entry] = []
        entries.reserveCapacity(count)
        for _ in 0..<count {
            guard let ref = input.text16(), let tipBytes = input.take(40), let tip = ObjectID(hexBytes: tipBytes),
                  let flags = input.u8() else { return false }
            var entry = Entry(ref: ref, tip: tip)
            if flags & 1 != 0 {
                guard let card = input.u64(), let created = input.u64(), let cost = input.u64(),
                      let idText = input.text16(), let id = RunID(idText), let branch = input.text16() else { return false }
                entry.summary = Summary(
                    id: id, card: Int(Int64(bitPattern: card)), createdAt: Date(timeIntervalSince1970: Double(bitPattern: created)),
                    costUSD: Double(bitPattern: cost), isActive: flags & 2 != 0, branch: branch)
            }
            if flags & 8 != 0 {
                guard let message = input.blob() else { return false }
                entry.message = String(decoding: message, as: UTF8.self)
            }
            if flags & 4 != 0 {
                guard let rendered = input.blob() else { return false }
                entry.rendered = rendered
            }
            entries.append(entry)
        }
        guard input.index == bytes.count - Self.trailer.count else { return false }
        self.entries = entries
        positions = Dictionary(entries.enumerated().map { ($1.ref, $0) }, uniquingKeysWith: { first, _ in first })
        self.fingerprint = fingerprint
        renderTag = tag
        return true
    }
}

extension RunSnapshot.Summary {
    init(_ record: RunRecord) {
        self.init(id: record.id, card: record.card, createdAt: record.createdAt, costUSD: record.costUSD,
                  isActive: record.state.isActive, branch: record.branch)
    }
}

/// Little-endian binary output for the snapshot.
struct ByteWriter {
    var bytes: [UInt8] = []

    mutating func u16(_ value: Int) { withUnsafeBytes(of: UInt16(value).littleEndian) { bytes += $0 } }
    mutating func u32(_ value: Int) { withUnsafeBytes(of: UInt32(value).littleEndian) { bytes += $0 } }
    mutating func u64(_ value: UInt64) { withUnsafeBytes(of: value.littleEndian) { bytes += $0 } }

    mutating func text16(_ text: String) {
        let utf8 = Array(text.utf8.prefix(Int(UInt16.max)))
        u16(utf8.count)
        bytes += utf8
    }

    mutating func blob(_ data: ArraySlice<UInt8>) {
        u32(data.count)
        bytes += data
    }
}

/// Reads what `ByteWriter` wrote; every read is nil past the end.
struct ByteReader {
    let bytes: [UInt8]
    var index: Int

    mutating func take(_ count: Int) -> ArraySlice<UInt8>? {
        guard count >= 0, index + count <= bytes.count else { return nil }
        defer { index += count }
        return bytes[index..<index + count]
    }

    mutating func u8() -> UInt8? { take(1)?.first }

    private mutating func integer(_ width: Int) -> UInt64? {
        guard let slice = take(width) else { return nil }
        return slice.reversed().reduce(0) { $0 << 8 | UInt64($1) }
    }

    mutating func u64() -> UInt64? { integer(8) }
    mutating func u32() -> Int? { integer(4).map(Int.init) }

    mutating func text16() -> String? {
        guard let length = integer(2), let slice = take(Int(length)) else { return nil }
        return String(decoding: slice, as: UTF8.self)
    }

    mutating func blob() -> ArraySlice<UInt8>? {
        guard let length = u32() else { return nil }
        return take(length)
    }
}
