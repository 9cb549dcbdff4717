import KanbotsCore

/// Follows a file that another process appends to, from a byte offset,
/// yielding complete lines. The agent writes its stream to a file rather
/// than a pipe so that any supervisor (a new one after a crash, too) can
/// pick up at the exact byte where the last one stopped.
public final class TranscriptTail {
    public let path: String
    /// Offset just past the last complete line handed out.
    public private(set) var offset: Int64
    private var descriptor: Int32 = -1
    private var pending = Data()
    // Small slices keep a supervisor's heap small; a read per 64 KB costs
    // nothing next to parsing them. Allocated on the first read.
    private lazy var chunk = [UInt8](repeating: 0, count: 64 << 10)

    public init(path: String, offset: Int64 = 0) {
        self.path = path
        self.offset = offset
    }

    deinit { if descriptor >= 0 { close(descriptor) } }

    /// Reads what was appended since the last call and returns the complete
    /// lines in it (without their newline). A partial last line waits.
    ///
    /// Empty only when no complete line is there yet: callers take an empty
    /// answer as "caught up".
    ///
    /// - Parameter limit: bytes read per call, once a line is complete (a
    ///   line longer than that is read whole first), so a burst is handled
    ///   in slices and the supervisor's memory stays small.
    public func readLines(limit: Int = 64 << 10) -> [Data] {
        if descriptor < 0 {
            descriptor = open(path, O_RDONLY | O_CLOEXEC)
            guard descriptor >= 0 else { return [] }
            lseek(descriptor, off_t(offset), SEEK_SET)
        }
        var lines: [Data] = []
        var consumed = 0
        while consumed < limit || lines.isEmpty {
            let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            guard count > 0 else { break }
            consumed += count
            var start = 0
            chunk.withUnsafeBytes { raw in
                let bytes = raw.bindMemory(to: UInt8.self)
                for index in 0..<count where bytes[index] == 0x0A {
                    pending.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start..<index]))
                    offset += Int64(pending.count + 1)
                    lines.append(pending)
                    pending = Data()
                    start = index + 1
                }
                if start < count { pending.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start..<count])) }
            }
        }
        return lines
    }

    /// Hands `body` every complete line still in the file, reading on until
    /// there is none: `readLines` stops after a slice, so one call of it
    /// when the writer is done would leave the rest of the file unread.
    public func readRemainingLines(_ body: (Data) -> Void) {
        while true {
            let lines = readLines()
            if lines.isEmpty { return }
            lines.forEach(body)
        }
    }

    /// The bytes after the last newline, for when the writer is gone and a
    /// truncated last line must still be recorded.
    public func takeRemainder() -> Data? {
        guard !pending.isEmpty else { return nil }
        defer {
            offset += Int64(pending.count)
            pending = Data()
        }
        return pending
    }
}
