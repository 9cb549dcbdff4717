/// A file opened on its descriptor, closed when released: what the
/// supervisor needs of `FileHandle`, which full Foundation holds.
public final class OpenFile {
    public enum Mode: Sendable {
        case reading
        /// Writing from the start; the file must exist.
        case writing
        /// Writing at the end; the file is created if missing.
        case appending
    }

    public let descriptor: Int32

    public init?(_ path: String, _ mode: Mode) {
        let flags: Int32 = switch mode {
        case .reading: O_RDONLY
        case .writing: O_WRONLY
        case .appending: O_WRONLY | O_CREAT | O_APPEND
        }
        let descriptor = open(path, flags | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { return nil }
        self.descriptor = descriptor
    }

    deinit { close(descriptor) }

    /// The file's size in bytes.
    public var size: Int {
        var info = stat()
        return fstat(descriptor, &info) == 0 ? Int(info.st_size) : 0
    }

    public func seek(to offset: Int) { lseek(descriptor, off_t(offset), SEEK_SET) }

    /// Up to `limit` bytes from the current offset; fewer at the end.
    public func read(upTo limit: Int) -> Data {
        var data = Data(count: limit)
        let count = data.withUnsafeMutableBytes { buffer -> Int in
            var filled = 0
            while filled < limit {
                let got = systemRead(descriptor, buffer.baseAddress! + filled, limit - filled)
                if got < 0, errno == EINTR { continue }
                guard got > 0 else { break }
                filled += got
            }
            return filled
        }
        data.removeSubrange(count...)
        return data
    }

    /// Everything from the current offset to the end.
    public func readToEnd() -> Data {
        var data = Data()
        while true {
            let chunk = read(upTo: 1 << 20)
            data.append(chunk)
            if chunk.count < 1 << 20 { return data }
        }
    }

    /// Writes all of `data`, or throws the system's error (a full disk).
    public func write(_ data: Data) throws {
        try data.withUnsafeBytes { buffer in
            var written = 0
            while written < buffer.count {
                let count = systemWrite(descriptor, buffer.baseAddress! + written, buffer.count - written)
                if count < 0, errno == EINTR { continue }
                guard count > 0 else { throw WriteError(code: errno) }
                written += count
            }
        }
    }

    public struct WriteError: Error, CustomStringConvertible {
        public let code: Int32
        public var description: String { String(cString: strerror(code)) }
    }
}

// `read` and `write` are also methods here; these name the C functions.
private func systemRead(_ fd: Int32, _ buffer: UnsafeMutableRawPointer, _ count: Int) -> Int {
    read(fd, buffer, count)
}

private func systemWrite(_ fd: Int32, _ buffer: UnsafeRawPointer, _ count: Int) -> Int {
    write(fd, buffer, count)
}

/// The process's standard error, for the one-line logs of our detached processes.
public enum StandardError {
    public static func write(_ line: String) { writeLine(line, to: 2) }
}

/// The process's standard output, a line at a time (the demo agent's stream).
public enum StandardOutput {
    public static func write(_ line: String) { writeLine(line, to: 1) }
}

/// Writes `line` and a newline, whole (a pipe may take it in pieces).
private func writeLine(_ line: String, to descriptor: Int32) {
    var text = line.hasSuffix("\n") ? line : line + "\n"
    text.withUTF8 { buffer in
        var written = 0
        while written < buffer.count {
            let count = systemWrite(descriptor, buffer.baseAddress! + written, buffer.count - written)
            if count < 0, errno == EINTR { continue }
            guard count > 0 else { return }
            written += count
        }
    }
}
