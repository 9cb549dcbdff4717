import KanbotsCore
import KanbotsGit
import KanbotsSystem

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
        /// The tip's hex id (kept as text: comparing is all the board does).
        var tip: String
        /// Nil when the record at `tip` could not be read (it is re-read, and
        /// reported, every time).
        var summary: Summary?
        var message: Blob?
        var rendered: Blob?
        /// The record parsed from `message` by this process (never saved):
        /// a run read afresh is not parsed twice.
        var record: RunRecord?
    }

    /// Bytes in the mapped file, or bytes made by this process.
    public enum Blob {
        /// Keeps the mapping alive as long as the bytes are used, however
        /// long the snapshot itself lives.
        case mapped(UnsafeRawBufferPointer, MappedFile)
        case owned([UInt8])

        public func withBytes<T>(_ body: (UnsafeRawBufferPointer) throws -> T) rethrows -> T {
            switch self {
            case .mapped(let buffer, let file): try withExtendedLifetime(file) { try body(buffer) }
            case .owned(let bytes): try bytes.withUnsafeBytes(body)
            }
        }

        var text: String { withBytes { String(decoding: $0, as: UTF8.self) } }
    }

    /// A file mapped read-only, unmapped when the last blob pointing into it goes.
    public final class MappedFile {
        let bytes: UnsafeRawBufferPointer

        init?(path: String) {
            let descriptor = open(path, O_RDONLY | O_CLOEXEC)
            guard descriptor >= 0 else { return nil }
            defer { close(descriptor) }
            var info = stat()
            guard fstat(descriptor, &info) == 0, info.st_size > 0 else { return nil }
            let size = Int(info.st_size)
            guard let address = mmap(nil, size, PROT_READ, MAP_PRIVATE, descriptor, 0), address != MAP_FAILED else {
                return nil
            }
            bytes = UnsafeRawBufferPointer(start: address, count: size)
        }

        deinit { munmap(UnsafeMutableRawPointer(mutating: bytes.baseAddress!), bytes.count) }
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
        // Mapped, not read: blobs are touched only when used.
        guard isEnabled, let file = MappedFile(path: path) else { return }
        if !parse(file) {
            entries = []
            positions = [:]
            fingerprint = 0
            renderTag = ""
        }
    }

    /// Whether the entries are the listing as it is now: `current` (a fresh
    /// fingerprint of the ref files) matches the one they were seen under.
    func isCurrent(fingerprint current: UInt64?) -> Bool {
        guard let current, current != 0, current == fingerprint, !entries.isEmpty else { return false }
        return true
    }

    /// Updates entries in place (same refs, same tips); `body` says whether
    /// it learned something worth writing.
    func updateEntries(_ body: (inout [Entry]) -> Bool) {
        if body(&entries) { isDirty = true }
    }

    func position(of ref: String) -> Int? { positions[ref] }

    func entry(ref: String, tip: String) -> Entry? {
        guard let position = positions[ref], entries[position].tip == tip else { return nil }
        return entries[position]
    }

    /// Replaces the snapshot's entries with a new listing (entries whose
    /// ref and tip were unchanged carried over by the caller); `changed`
    /// says some entry is new, so the file must be written again.
    func replace(with listing: [Entry], fingerprint: UInt64, changed: Bool) {
        let listingChanged = changed || listing.count != entries.count
        // A new usable fingerprint is worth a write (the next call skips the
        // listing); an unusable one (0: refs written just now) alone is not.
        if listingChanged || (fingerprint != 0 && fingerprint != self.fingerprint) { isDirty = true }
        entries = listing
        if listingChanged {
            positions = Dictionary(listing.enumerated().map { ($1.ref, $0) }, uniquingKeysWith: { first, _ in first })
        }
        self.fingerprint = fingerprint
    }

    /// A front end's rendering of the run at `ref`'s current tip, made under `tag`.
    public func rendered(ref: String, tag: String) -> Blob? {
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
        entries[position].rendered = .owned(bytes)
        isDirty = true
    }

    /// Writes the snapshot if anything changed. Failures are ignored: the
    /// cache only ever saves time.
    ///
    /// Layout: the index (one fixed-order record per ref) first, then the
    /// blobs it points into, so a reader maps the file and touches only the
    /// index and the blobs it uses. Blobs go from where they are (the old
    /// mapping, or this process's memory) straight to the file, through one
    /// reused buffer: tens of megabytes are never gathered in memory.
    public func save() {
        guard isEnabled, isDirty else { return }
        var index = ByteWriter()
        index.bytes.reserveCapacity(entries.count * 128)
        var blobBytes = 0
        func place(_ blob: Blob?) {
            guard let blob else { return }
            let count = blob.withBytes(\.count)
            index.u64(UInt64(blobBytes))
            index.u32(count)
            blobBytes += count
        }
        for entry in entries {
            index.text16(entry.ref)
            index.bytes += entry.tip.utf8
            var flags: UInt8 = 0
            if entry.summary != nil { flags |= 1 }
            if entry.summary?.isActive == true { flags |= 2 }
            if entry.rendered != nil { flags |= 4 }
            if entry.message != nil { flags |= 8 }
            index.bytes.append(flags)
            if let summary = entry.summary {
                index.u64(UInt64(bitPattern: Int64(summary.card)))
                index.u64(summary.createdAt.timeIntervalSince1970.bitPattern)
                index.u64(summary.costUSD.bitPattern)
                index.u64(UInt64(summary.id.number))
                index.text16(summary.id.clone.value)
                index.text16(summary.branch)
            }
            place(entry.message)
            place(entry.rendered)
        }
        var out = ByteWriter()
        out.bytes.reserveCapacity(index.bytes.count + 256)
        out.bytes += Self.magic
        out.u64(fingerprint)
        out.text16(renderTag)
        out.u32(entries.count)
        out.u64(UInt64(index.bytes.count))
        var checksum = Hasher64()
        checksum.add(index.bytes)
        out.u64(checksum.value)
        out.bytes += index.bytes
        index = ByteWriter()

        let folder = String(path[..<(path.lastIndex(of: "/") ?? path.startIndex)])
        for made in [String(folder[..<(folder.lastIndex(of: "/") ?? folder.startIndex)]), folder] { mkdir(made, 0o777) }
        let temporary = folder + "/.\(Self.fileName)-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { return }
        var file = ChunkedFileWriter(descriptor: descriptor, pending: out.bytes)
        for entry in entries {
            entry.message?.withBytes { file.append($0) }
            entry.rendered?.withBytes { file.append($0) }
        }
        Self.trailer.withUnsafeBytes { file.append($0) }
        let written = file.finish()
        guard close(descriptor) == 0, written, rename(temporary, path) == 0 else {
            unlink(temporary)
            return
        }
        isDirty = false
    }

    /// `save()` on another thread, so a command prints while the snapshot
    /// is written; nothing may change the snapshot until `wait()` returns.
    public func startSaving() -> BackgroundWork<Void> {
        let snapshot = UncheckedSendable(value: self)
        return BackgroundWork { snapshot.value.save() }
    }

    /// False when the bytes are not one complete snapshot of this version.
    private func parse(_ file: MappedFile) -> Bool {
        let bytes = file.bytes
        guard bytes.count >= Self.magic.count + Self.trailer.count, bytes.starts(with: Self.magic),
              bytes.suffix(Self.trailer.count).elementsEqual(Self.trailer) else { return false }
        var input = ByteReader(bytes: bytes, index: Self.magic.count)
        guard let fingerprint = input.u64(), let tag = input.text16(), let count = input.u32(),
              let indexSize = input.u64().map(Int.init), let checksum = input.u64(), indexSize >= 0,
              input.index + indexSize <= bytes.count
        else { return false }
        // The index is checked (a damaged one could point anywhere); blobs are
        // only copied out, and each is reached through a checked index.
        var computed = Hasher64()
        computed.add(UnsafeRawBufferPointer(rebasing: bytes[input.index..<input.index + indexSize]))
        guard computed.value == checksum else { return false }
        let blobStart = input.index + indexSize
        let blobArea = UnsafeRawBufferPointer(rebasing: bytes[blobStart..<bytes.count - Self.trailer.count])
        func blob(_ input: inout ByteReader) -> Blob? {
            guard let offset = input.u64().map(Int.init), let length = input.u32(),
                  offset >= 0, offset + length <= blobArea.count else { return nil }
            return .mapped(UnsafeRawBufferPointer(rebasing: blobArea[offset..<offset + length]), file)
        }
        var clones: [String: CloneTag] = [:]
        var entries: [Entry] = []
        entries.reserveCapacity(count)
        for _ in 0..<count {
            guard let ref = input.text16(), let tip = input.take(40), let flags = input.u8() else { return false }
            var entry = Entry(ref: ref, tip: String(decoding: tip, as: UTF8.self))
            if flags & 1 != 0 {
                guard let card = input.u64(), let created = input.u64(), let cost = input.u64(), let number = input.u64(),
                      let cloneText = input.text16(), let branch = input.text16() else { return false }
                guard let clone = clones[cloneText] ?? CloneTag(cloneText) else { return false }
                clones[cloneText] = clone
                entry.summary = Summary(
                    id: RunID(number: Int(number), clone: clone), card: Int(Int64(bitPattern: card)),
                    createdAt: Date(timeIntervalSince1970: Double(bitPattern: created)),
                    costUSD: Double(bitPattern: cost), isActive: flags & 2 != 0, branch: branch)
            }
            if flags & 8 != 0 {
                guard let message = blob(&input) else { return false }
                entry.message = message
            }
            if flags & 4 != 0 {
                guard let rendered = blob(&input) else { return false }
                entry.rendered = rendered
            }
            entries.append(entry)
        }
        guard input.index == blobStart else { return false }
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

}

/// Writes bytes to a file descriptor through one buffer of about a
/// megabyte; remembers whether every write succeeded.
struct ChunkedFileWriter {
    let descriptor: Int32
    var pending: [UInt8]
    private var failed = false
    static let chunkSize = 1 << 20

    init(descriptor: Int32, pending: [UInt8]) {
        self.descriptor = descriptor
        self.pending = pending
        self.pending.reserveCapacity(max(pending.count, Self.chunkSize) + Self.chunkSize)
    }

    mutating func append(_ bytes: UnsafeRawBufferPointer) {
        pending.append(contentsOf: bytes)
        if pending.count >= Self.chunkSize { flush() }
    }

    /// Flushes what is left; true when every byte reached the file.
    mutating func finish() -> Bool {
        flush()
        return !failed
    }

    private mutating func flush() {
        defer { pending.removeAll(keepingCapacity: true) }
        guard !failed else { return }
        pending.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let count = write(descriptor, buffer.baseAddress! + offset, buffer.count - offset)
                if count < 0, errno == EINTR { continue }
                guard count > 0 else {
                    failed = true
                    return
                }
                offset += count
            }
        }
    }
}

/// Reads what `ByteWriter` wrote; every read is nil past the end.
struct ByteReader {
    let bytes: UnsafeRawBufferPointer
    var index: Int

    mutating func take(_ count: Int) -> UnsafeRawBufferPointer? {
        guard count >= 0, index + count <= bytes.count else { return nil }
        defer { index += count }
        return UnsafeRawBufferPointer(rebasing: bytes[index..<index + count])
    }

    mutating func u8() -> UInt8? { take(1)?.first }

    private mutating func integer(_ width: Int) -> UInt64? {
        guard let slice = take(width) else { return nil }
        var value: UInt64 = 0
        for byte in slice.reversed() { value = value << 8 | UInt64(byte) }
        return value
    }

    mutating func u64() -> UInt64? { integer(8) }
    mutating func u32() -> Int? { integer(4).map(Int.init) }

    mutating func text16() -> String? {
        guard let length = integer(2), let slice = take(Int(length)) else { return nil }
        return String(decoding: slice, as: UTF8.self)
    }
}
