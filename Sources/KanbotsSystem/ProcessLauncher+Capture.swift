/// What a short command printed and how it ended.
public struct CapturedRun: Sendable {
    public var status: ExitStatus
    public var output: Data
    public var errorOutput: Data

    public var succeeded: Bool { status == .exited(0) }

    /// The last line of its standard error (git's `fatal: …`), for a one-line error.
    public var complaint: String {
        String(decoding: errorOutput, as: UTF8.self).split(separator: "\n").last.map(String.init) ?? "\(status)"
    }
}

extension ProcessLauncher {
    /// Runs a short command to its end and returns what it printed: for the
    /// few things only the `git` program does (gitignore matching), without
    /// full Foundation's `Process`. Both streams are read as they come, so a
    /// child that fills one pipe never waits on us while we wait on the other.
    public static func run(_ executable: String, arguments: [String], in directory: String? = nil,
                           environment: [String: String] = ProcessInfo.processInfo.environment) throws -> CapturedRun {
        let out = try CapturePipe(), err = try CapturePipe()
        var spec = ProcessSpec(executable: executable, arguments: arguments, environment: environment)
        spec.standardOutput = .descriptor(out.writeEnd)
        spec.standardError = .descriptor(err.writeEnd)
        spec.workingDirectory = directory
        let pid = try spawn(spec)
        out.closeWriteEnd()
        err.closeWriteEnd()
        var output = Data(), errorOutput = Data()
        var streams = [pollfd(fd: out.readEnd, events: Int16(POLLIN), revents: 0),
                       pollfd(fd: err.readEnd, events: Int16(POLLIN), revents: 0)]
        var buffer = [UInt8](repeating: 0, count: 64 << 10)
        while streams.contains(where: { $0.fd >= 0 }) {
            if poll(&streams, nfds_t(streams.count), -1) < 0 {
                if errno == EINTR { continue }
                break
            }
            for index in streams.indices where streams[index].fd >= 0 && streams[index].revents != 0 {
                let count = read(streams[index].fd, &buffer, buffer.count)
                if count < 0, errno == EINTR || errno == EAGAIN { continue }
                if count <= 0 {
                    streams[index].fd = -1  // poll skips negative descriptors
                } else if index == 0 {
                    output.append(contentsOf: buffer[..<count])
                } else {
                    errorOutput.append(contentsOf: buffer[..<count])
                }
            }
        }
        return CapturedRun(status: ExitStatus.wait(pid), output: output, errorOutput: errorOutput)
    }
}

/// A pipe whose ends are closed on exec, so no other child of ours (started
/// by another thread meanwhile) holds the write end and keeps us reading.
private final class CapturePipe {
    let readEnd: Int32
    private(set) var writeEnd: Int32

    init() throws {
        var ends: [Int32] = [-1, -1]
        guard pipe(&ends) == 0 else { throw SpawnError(executable: "pipe", code: errno) }
        for end in ends { _ = fcntl(end, F_SETFD, FD_CLOEXEC) }
        (readEnd, writeEnd) = (ends[0], ends[1])
    }

    func closeWriteEnd() {
        if writeEnd >= 0 { close(writeEnd) }
        writeEnd = -1
    }

    deinit {
        close(readEnd)
        closeWriteEnd()
    }
}
