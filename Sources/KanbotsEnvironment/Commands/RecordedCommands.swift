import KanbotsAgents
import KanbotsCore
import KanbotsSystem

/// Project commands run for a run (its setup, its checks) with their
/// output kept the way a record keeps it: secrets redacted, the last 1 MB,
/// in a file ready to attach (`setup.log`, `checks.log`).
public struct RecordedCommands {
    public var runner: ProjectCommandRunner

    /// How much of the output is kept in the record.
    public static let keptLogBytes = 1 << 20

    public init(_ runner: ProjectCommandRunner) { self.runner = runner }

    /// Runs the commands in `folder`; the output goes to `runDirectory/logName`,
    /// redacted, which the caller attaches and then removes.
    public func run(in folder: String, runDirectory: String, logName: String,
                    commit: String? = nil) -> (result: ChecksResult, logPath: String) {
        try? FileManager.default.createDirectory(atPath: runDirectory, withIntermediateDirectories: true)
        // `checks.log` is written whole from `checks.raw.log` once the commands end.
        let stem = logName.hasSuffix(".log") ? String(logName.dropLast(".log".count)) : logName
        let rawLog = runDirectory + "/" + stem + ".raw.log"
        let keptLog = runDirectory + "/" + logName
        unlink(rawLog)
        defer { unlink(rawLog) }
        let result = runner.run(in: folder, logPath: rawLog, commit: commit)
        Self.writeRedactedTail(of: rawLog, to: keptLog, limit: Self.keptLogBytes)
        return (result, keptLog)
    }

    /// The last `limit` bytes of `source`, from the first whole line, with
    /// secrets replaced, into `target`; a note says how much was cut.
    public static func writeRedactedTail(of source: String, to target: String, limit: Int) {
        guard FileManager.default.createFile(atPath: target, contents: nil),
              let output = OpenFile(target, .writing), let input = OpenFile(source, .reading) else { return }
        let size = input.size
        input.seek(to: max(0, size - limit))
        var tail = input.readToEnd()
        if size > limit {
            if let newline = tail.firstIndex(of: 0x0A) { tail = tail.suffix(from: tail.index(after: newline)) }
            try? output.write(Data("[git-kanbots: the first \(size - tail.count) bytes of the output were cut]\n".utf8))
        }
        let redactor = SecretRedactor()
        var redacted = Data()
        for line in tail.split(separator: 0x0A, omittingEmptySubsequences: false) {
            redacted.append(redactor.redact(Data(line)))
            redacted.append(0x0A)
        }
        if tail.last == 0x0A || tail.isEmpty { redacted.removeLast() }
        try? output.write(redacted)
    }

    /// The last `count` lines of a kept log, for one-line errors and `show`.
    public static func lastLines(of path: String, count: Int) -> [String] {
        guard let data = OpenFile(path, .reading)?.readToEnd() else { return [] }
        let lines = String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: true)
        return lines.suffix(count).map(String.init)
    }
}
