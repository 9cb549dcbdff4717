import Foundation
@testable import KanbotsAgents

// The unit suites' way to cut a recorded stream into lines for the parsers,
// with the offsets and numbers a `.malformed` event carries. The product
// never needed it: the supervisor and `log` read transcripts through
// `TranscriptTail` (KanbotsSupervisor), which splits lines as they arrive.
// It lived in KanbotsAgents, counted among issue 18's hand-written JSON
// paths; it parses no JSON and nothing in Sources called it, so there was
// nothing for scripts/bench-json.sh to measure and it moved here.

/// One complete line of an NDJSON transcript.
public struct NDJSONLine: Sendable, Equatable {
    /// The line's bytes without "\n" or "\r\n".
    public var bytes: Data
    /// Where the line starts in the transcript, counted from its first byte.
    public var byteOffset: Int
    /// 1-based line number in the transcript.
    public var number: Int

    public init(bytes: Data, byteOffset: Int, number: Int) {
        self.bytes = bytes
        self.byteOffset = byteOffset
        self.number = number
    }

    public var text: String { String(decoding: bytes, as: UTF8.self) }
}

/// Splits a byte stream, arriving in arbitrary chunks, into NDJSON lines.
///
/// A line cut by a chunk boundary is held until the rest of it arrives, so
/// suites can feed a stream in reads of any size; a buffer can start at an
/// offset and line number, as a re-attached reader would.
public struct NDJSONLineBuffer: Sendable {
    private var storage: [UInt8] = []
    /// Start of the pending (incomplete) line within `storage`.
    private var lineStart = 0
    /// Bytes before this index are known to hold no "\n".
    private var scanned = 0
    /// Transcript offset of `storage[0]`.
    private var storageOffset: Int
    private var nextLineNumber: Int

    /// - Parameters:
    ///   - byteOffset: Transcript offset of the first byte that will be appended.
    ///   - lineNumber: Number of the first line that will be produced.
    public init(startingAt byteOffset: Int = 0, lineNumber: Int = 1) {
        storageOffset = byteOffset
        nextLineNumber = lineNumber
    }

    /// Offset just past the last complete line produced: where to resume
    /// reading after a restart without losing or repeating a line.
    public var committedOffset: Int { storageOffset + lineStart }

    /// Bytes held for a line whose end has not arrived yet.
    public var pendingByteCount: Int { storage.count - lineStart }

    /// Adds a chunk and returns the lines it completed, in order.
    public mutating func append(_ chunk: some DataProtocol) -> [NDJSONLine] {
        compactIfWorthwhile()
        for region in chunk.regions {
            region.withUnsafeBytes { storage.append(contentsOf: $0) }
        }
        var lines: [NDJSONLine] = []
        storage.withUnsafeBufferPointer { buffer in
            guard let base = buffer.baseAddress else { return }
            while scanned < buffer.count {
                let remaining = buffer.count - scanned
                guard let found = memchr(base + scanned, 0x0A, remaining) else {
                    scanned = buffer.count
                    break
                }
                let newline = base.distance(to: found.assumingMemoryBound(to: UInt8.self))
                lines.append(Self.line(in: buffer, from: lineStart, to: newline, offset: storageOffset, number: nextLineNumber))
                nextLineNumber += 1
                lineStart = newline + 1
                scanned = lineStart
            }
        }
        return lines
    }

    /// Returns the unterminated last line, if any, once no more bytes will
    /// come (the agent exited). A line cut mid-write is returned as is, so the
    /// parser can report it as malformed rather than silently dropping it.
    public mutating func finish() -> NDJSONLine? {
        guard pendingByteCount > 0 else { return nil }
        let line = storage.withUnsafeBufferPointer {
            Self.line(in: $0, from: lineStart, to: $0.count, offset: storageOffset, number: nextLineNumber)
        }
        nextLineNumber += 1
        lineStart = storage.count
        scanned = storage.count
        return line
    }

    private static func line(
        in buffer: UnsafeBufferPointer<UInt8>, from start: Int, to end: Int, offset: Int, number: Int
    ) -> NDJSONLine {
        var contentEnd = end
        if contentEnd > start, buffer[contentEnd - 1] == 0x0D { contentEnd -= 1 }
        let bytes = Data(UnsafeBufferPointer(rebasing: buffer[start..<contentEnd]))
        return NDJSONLine(bytes: bytes, byteOffset: offset + start, number: number)
    }

    /// Drops consumed bytes, but only when that moves little data relative to
    /// what was consumed, which keeps appends amortized linear.
    private mutating func compactIfWorthwhile() {
        guard lineStart > 0 else { return }
        if lineStart == storage.count {
            storageOffset += lineStart
            storage.removeAll(keepingCapacity: storage.capacity <= 1 << 20)
            lineStart = 0
            scanned = 0
        } else if lineStart >= storage.count - lineStart {
            storageOffset += lineStart
            storage.removeFirst(lineStart)
            scanned -= lineStart
            lineStart = 0
        }
    }
}

extension StreamParser {
    /// Decodes a line produced by `NDJSONLineBuffer`.
    mutating func events(from line: NDJSONLine) -> [AgentEvent] {
        events(fromLine: line.bytes, lineNumber: line.number, byteOffset: line.byteOffset)
    }
}
