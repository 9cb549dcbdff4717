import Foundation
import KanbotsCore
import KanbotsStore

// Why hand-written: `board --json` over 10,000 runs (14.5 MB) costs
// 61 ms of CPU warm against 659 ms with `JSONEncoder`
// (KANBOTS_JSON_ENCODER=foundation), 10.7x, repository in /dev/shm; 58
// against 645 ms (11.1x) on disk (ext4). Most of that is the kept text of
// settled runs, which this writer copies and `JSONEncoder` cannot splice;
// with every run encoded by both (KANBOTS_NO_CACHE=1) it is 359 against
// 846 ms (2.4x; disk: 341 against 835). Small outputs gain nothing to speak
// of (`status --json`, 31 KB: 1.04x), but one writer serves them all, so
// every `--json` and the web API read the same.
// Measured with scripts/bench-json.sh (reproduce: `BENCH_DIR=/dev/shm
// scripts/bench-json.sh`; KANBOTS_BIN=... for a given build) on Linux
// x86_64, 2 shared AMD EPYC cores, Swift 6.3.1, release build with
// --static-swift-stdlib, Dec 2026; CPU ms (user + system), median of 5,
// as the machine was busy with other builds (wall time is in the output).

/// Writes any `Encodable` as pretty-printed JSON straight into a byte buffer.
///
/// Why not `JSONEncoder`: it builds a tree of boxed values, casts every
/// value dynamically and sorts every object's keys (the figures are at the
/// top of this file). This encoder streams instead: keys come
/// out snake_cased in the order a type encodes them (so a run reads `id`,
/// `card`, `state` first), dictionaries with string keys sorted so output is
/// stable, dates as `2026-11-23T09:30:00Z`, and `nil` as `null`.
public struct JSONOutput {
    /// - Parameter depth: the nesting the value will be copied into
    ///   (its indentation), for text kept and inserted later.
    public static func encode<T: Encodable>(_ value: T, depth: Int = 0) throws -> [UInt8] {
        if FoundationJSON.isSelected { return try FoundationJSON.encode(value) }
        let encoder = StreamingJSONEncoder()
        try encoder.encodeValue(value, depth: depth)
        return encoder.bytes
    }

    /// Writes `value` and a newline to a file descriptor, in chunks as the
    /// output grows: `board --json` over ten thousand runs is megabytes, and
    /// growing one buffer that large costs more than producing it.
    public static func write<T: Encodable>(_ value: T, to descriptor: Int32) throws {
        let encoder = StreamingJSONEncoder(capacity: StreamingJSONEncoder.chunkSize + (64 << 10))
        if FoundationJSON.isSelected {
            encoder.bytes = try FoundationJSON.encode(value)
        } else {
            encoder.sink = descriptor
            try encoder.encodeValue(value, depth: 0)
        }
        encoder.sink = descriptor
        encoder.bytes.append(UInt8(ascii: "\n"))
        encoder.flush()
        // Output that did not arrive must not look like success.
        if let failure = encoder.failure {
            throw KanbotsError.io("cannot write the output: \(String(cString: strerror(failure)))")
        }
    }
}

/// Dictionaries keyed by strings, so their entries can be written sorted.
private protocol StringKeyedEntries {
    func sortedEntries() -> [(key: String, value: any Encodable)]
}

extension Dictionary: StringKeyedEntries where Key == String, Value: Encodable {
    fileprivate func sortedEntries() -> [(key: String, value: any Encodable)] {
        sorted { $0.key < $1.key }.map { ($0.key, $0.value as any Encodable) }
    }
}

/// The encoder behind `JSONOutput`; its `Encoder` side is in
/// StreamingJSONEncoder+Containers.swift.
final class StreamingJSONEncoder: Encoder {
    var bytes: [UInt8] = []
    /// Where full chunks go (`JSONOutput.write`); nil keeps everything in `bytes`.
    var sink: Int32?
    /// The errno of a write to `sink` that failed (a closed pipe, a full disk).
    var failure: Int32?
    static let chunkSize = 1 << 20
    var codingPath: [any CodingKey] = []
    var userInfo: [CodingUserInfoKey: Any] = [:]

    /// Containers still open, innermost last: a write at some depth first
    /// closes everything deeper, which is how a streaming encoder learns
    /// that a nested value is complete.
    private var open: [(depth: Int, closer: UInt8)] = []
    /// Depth at which the value now being encoded goes.
    var depth = 0
    /// Elements written so far per open container depth.
    private var counts: [Int] = [0]

    /// - Parameter capacity: bytes to reserve; only a whole document
    ///   written to a descriptor wants a chunk's worth, not each of ten
    ///   thousand runs rendered on their own.
    init(capacity: Int = 0) { bytes.reserveCapacity(capacity) }

    // MARK: Structure

    func encodeValue<T: Encodable>(_ value: T, depth: Int) throws {
        let savedDepth = self.depth
        self.depth = depth
        defer { self.depth = savedDepth }
        if try writeCommonType(value) { return }
        if T.self == [RunJSONEntry].self {
            // Ten thousand runs: no container box, no dynamic cast per element.
            openContainer(UInt8(ascii: "["), closer: UInt8(ascii: "]"))
            for entry in unsafeBitCast(value, to: [RunJSONEntry].self) {
                startElement(depth: depth + 1)
                try write(entry, depth: depth + 1)
            }
            close(deeperThan: depth)
            return
        }
        if let entry = value as? RunJSONEntry { return try write(entry, depth: depth) }
        if let fields = value as? any JSONFields {
            try writeObject(fields, depth: depth)
            return
        }
        switch value {
        case let date as Date: writeString(Timestamp.format(date))
        case let text as String: writeString(text)
        case let flag as Bool: writeRaw(flag ? "true" : "false")
        case let number as Int: writeRaw(String(number))
        case let number as Double: try writeDouble(number)
        case let number as Float: try writeDouble(Double(number))
        case let number as any BinaryInteger: writeRaw("\(number)")
        case let dictionary as StringKeyedEntries:
            openContainer(UInt8(ascii: "{"), closer: UInt8(ascii: "}"))
            for (key, entry) in dictionary.sortedEntries() {
                try writeKey(key, depth: depth + 1)
                try encodeValue(entry, depth: depth + 1)
            }
            close(deeperThan: depth)
        default:
            let start = bytes.count
            try value.encode(to: self)
            close(deeperThan: depth)
            if bytes.count == start { writeRaw("{}") }  // a type that encodes nothing, as JSONEncoder has it
        }
    }

    private func write(_ entry: RunJSONEntry, depth: Int) throws {
        switch entry {
        case .fields(let fields): try writeObject(fields, depth: depth)
        case .rendered(let text): text.withBytes { appendIndented($0, from: RunJSONEntry.renderedDepth, to: depth) }
        }
    }

    /// Writes a `JSONFields` value synchronously with a `FieldWriter` that
    /// owns the buffer meanwhile: no container bookkeeping, no class access
    /// per byte. Used for every run of `board --json`.
    private func writeObject(_ fields: some JSONFields, depth: Int) throws {
        bytes.append(UInt8(ascii: "{"))
        var writer = FieldWriter(encoder: self, depth: depth + 1)
        swap(&writer.bytes, &bytes)
        defer { swap(&writer.bytes, &bytes) }
        try fields.writeFields(to: &writer)
        if writer.count > 0 { writer.bytes += Self.indentation(depth) }
        writer.bytes.append(UInt8(ascii: "}"))
    }

    /// Writes an object rendered at depth `from` as if written at `to`:
    /// JSON strings hold no raw newline, so every newline in it is followed
    /// by indentation only.
    private func appendIndented(_ text: UnsafeRawBufferPointer, from: Int, to depth: Int) {
        guard depth != from else {
            bytes.append(contentsOf: text)
            if sink != nil, bytes.count >= Self.chunkSize { flush() }
            return
        }
        let indent = [UInt8](repeating: UInt8(ascii: " "), count: depth * 2)
        let skip = from * 2
        var start = 0
        while let newline = text[start...].firstIndex(of: UInt8(ascii: "\n")) {
            bytes.append(contentsOf: UnsafeRawBufferPointer(rebasing: text[start...newline]))
            bytes += indent
            start = min(newline + 1 + skip, text.count)
        }
        bytes.append(contentsOf: UnsafeRawBufferPointer(rebasing: text[start...]))
        if sink != nil, bytes.count >= Self.chunkSize { flush() }
    }

    /// Writes out what is buffered. Called only between values, where
    /// `bytes` holds the whole pending output (a `FieldWriter` hands the
    /// buffer back before any nested value is encoded).
    func flush() {
        guard let sink else { return }
        bytes.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let written = Foundation.write(sink, buffer.baseAddress! + offset, buffer.count - offset)
                if written < 0, errno == EINTR { continue }
                if written < 0, errno == EAGAIN || errno == EWOULDBLOCK {
                    // A non-blocking pipe that is full: wait until the reader
                    // takes some, rather than drop the rest of the output.
                    var ready = pollfd(fd: sink, events: Int16(POLLOUT), revents: 0)
                    _ = poll(&ready, 1, 1000)
                    continue
                }
                guard written > 0 else {
                    failure = errno
                    return
                }
                offset += written
            }
        }
        bytes.removeAll(keepingCapacity: true)
    }

    /// A newline and the indentation of an element at `depth`.
    static func indentation(_ depth: Int) -> [UInt8] {
        [UInt8(ascii: "\n")] + [UInt8](repeating: UInt8(ascii: " "), count: depth * 2)
    }

    struct FieldWriter: JSONFieldSink {
        var bytes: [UInt8] = []
        let encoder: StreamingJSONEncoder
        let depth: Int
        let indent: [UInt8]
        var count = 0

        init(encoder: StreamingJSONEncoder, depth: Int) {
            self.encoder = encoder
            self.depth = depth
            indent = StreamingJSONEncoder.indentation(depth)
        }

        /// Keys are our own snake_case literals: nothing in them needs escaping.
        private mutating func key(_ key: String) {
            if count > 0 { bytes.append(UInt8(ascii: ",")) }
            count += 1
            bytes += indent
            bytes.append(UInt8(ascii: "\""))
            bytes += key.utf8
            bytes += [UInt8(ascii: "\""), UInt8(ascii: ":"), UInt8(ascii: " ")]
        }

        mutating func field<Value: Encodable>(_ key: String, _ value: Value) throws {
            self.key(key)
            // Specialised per call site: all but one branch folds away.
            if Value.self == String.self {
                JSONText.appendString(unsafeBitCast(value, to: String.self), to: &bytes)
            } else if Value.self == Int.self {
                bytes += String(unsafeBitCast(value, to: Int.self)).utf8
            } else if Value.self == Double.self {
                try JSONText.appendDouble(unsafeBitCast(value, to: Double.self), to: &bytes)
            } else if Value.self == Bool.self {
                bytes += (unsafeBitCast(value, to: Bool.self) ? "true" : "false").utf8
            } else if Value.self == Date.self {
                bytes += Timestamp.format(unsafeBitCast(value, to: Date.self)).utf8.withQuotes
            } else if Value.self == [String].self {
                appendStrings(unsafeBitCast(value, to: [String].self))
            } else if let nested = value as? any JSONFields {
                try writeNested(nested)
            } else {
                // Anything else goes through the general encoder, on this buffer.
                swap(&bytes, &encoder.bytes)
                defer { swap(&bytes, &encoder.bytes) }
                try encoder.encodeValue(value, depth: depth)
            }
        }

        mutating func field<Wrapped: Encodable>(_ key: String, _ value: Wrapped?) throws {
            guard let value else {
                self.key(key)
                return bytes += "null".utf8
            }
            try field(key, value)
        }

        /// Written as the general encoder writes an array, without its casts:
        /// every run's readiness has lists of paths, mostly empty.
        private mutating func appendStrings(_ strings: [String]) {
            guard !strings.isEmpty else { return bytes += "[]".utf8 }
            bytes.append(UInt8(ascii: "["))
            let inner = StreamingJSONEncoder.indentation(depth + 1)
            for (index, text) in strings.enumerated() {
                if index > 0 { bytes.append(UInt8(ascii: ",")) }
                bytes += inner
                JSONText.appendString(text, to: &bytes)
            }
            bytes += indent
            bytes.append(UInt8(ascii: "]"))
        }

        mutating func objects<Element: JSONFields>(_ key: String, _ values: [Element]) throws {
            self.key(key)
            guard !values.isEmpty else { return bytes += "[]".utf8 }
            bytes.append(UInt8(ascii: "["))
            // Each element as the general encoder writes it, one level deeper.
            var element = FieldWriter(encoder: encoder, depth: depth + 1)
            swap(&element.bytes, &bytes)
            defer { swap(&element.bytes, &bytes) }
            for (index, value) in values.enumerated() {
                if index > 0 { element.bytes.append(UInt8(ascii: ",")) }
                element.bytes += element.indent
                try element.writeNested(value)
            }
            element.bytes += indent
            element.bytes.append(UInt8(ascii: "]"))
        }

        private mutating func writeNested(_ fields: some JSONFields) throws {
            bytes.append(UInt8(ascii: "{"))
            var nested = FieldWriter(encoder: encoder, depth: depth + 1)
            swap(&nested.bytes, &bytes)
            defer { swap(&nested.bytes, &bytes) }
            try fields.writeFields(to: &nested)
            if nested.count > 0 { nested.bytes += indent }
            nested.bytes.append(UInt8(ascii: "}"))
        }
    }

    /// The types a run is made of, recognised by their metatype (a pointer
    /// comparison, folded away where the caller is specialised) rather than
    /// by dynamic casts, which dominated the profile.
    @inline(__always)
    fileprivate func writeCommonType<T>(_ value: T) throws -> Bool {
        if T.self == String.self { writeString(unsafeBitCast(value, to: String.self)) }
        else if T.self == Int.self { writeRaw(String(unsafeBitCast(value, to: Int.self))) }
        else if T.self == Double.self { try writeDouble(unsafeBitCast(value, to: Double.self)) }
        else if T.self == Bool.self { writeRaw(unsafeBitCast(value, to: Bool.self) ? "true" : "false") }
        else if T.self == Date.self { writeString(Timestamp.format(unsafeBitCast(value, to: Date.self))) }
        else { return false }
        return true
    }

    func openContainer(_ opener: UInt8, closer: UInt8) {
        bytes.append(opener)
        open.append((depth + 1, closer))
        while counts.count <= depth + 1 { counts.append(0) }
        counts[depth + 1] = 0
    }

    func close(deeperThan depth: Int) {
        while let last = open.last, last.depth > depth {
            open.removeLast()
            if counts[last.depth] > 0 { newline(indent: last.depth - 1) }
            bytes.append(last.closer)
        }
    }

    /// Starts an element of the container at `depth`: closes what was
    /// nested in the previous element, then separates.
    func startElement(depth: Int) {
        close(deeperThan: depth)
        if counts[depth] > 0 { bytes.append(UInt8(ascii: ",")) }
        counts[depth] += 1
        newline(indent: depth)
    }

    func writeKey(_ key: String, depth: Int) throws {
        startElement(depth: depth)
        writeString(key)
        bytes.append(contentsOf: [UInt8(ascii: ":"), UInt8(ascii: " ")])
    }

    private func newline(indent: Int) {
        bytes.append(UInt8(ascii: "\n"))
        bytes.append(contentsOf: repeatElement(UInt8(ascii: " "), count: indent * 2))
    }

    // MARK: Scalars

    func writeRaw(_ text: String) {
        bytes.append(contentsOf: text.utf8)
    }

    func writeDouble(_ number: Double) throws { try JSONText.appendDouble(number, to: &bytes) }

    func writeString(_ text: String) { JSONText.appendString(text, to: &bytes) }
}
