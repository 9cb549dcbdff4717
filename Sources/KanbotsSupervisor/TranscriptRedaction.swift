import KanbotsAgents
import KanbotsCore
import KanbotsStore
import KanbotsSystem

/// The agent's transcript with secrets redacted, line by line: what may
/// leave the machine (the final record's `transcript.ndjson`, a remote
/// job's checkpoints).
public enum TranscriptRedaction {
    /// Writes the transcript as it goes into git, next to the original:
    /// every line, with API keys and tokens replaced, so nothing secret is
    /// ever shared with the history. Streams in slices, so a transcript of
    /// any size costs the supervisor a slice of memory, not the whole file.
    public static func write(from source: String, to target: String? = nil) -> String? {
        let target = target ?? source + ".redacted"
        guard let size = PathName.fileSize(source), size > 0,
              FileManager.default.createFile(atPath: target, contents: nil),
              let output = OpenFile(target, .writing) else { return nil }
        // A full disk fails a write: then no redacted copy, never a crash.
        var failed = false
        let redactor = SecretRedactor()
        let tail = TranscriptTail(path: source)
        var slice = Data()
        func write(_ line: Data) {
            slice.append(redactor.redact(line))
            slice.append(0x0A)
            if slice.count >= 64 << 10 {
                do { try output.write(slice) } catch { failed = true }
                slice.removeAll(keepingCapacity: true)
            }
        }
        tail.readRemainingLines(write)
        if let remainder = tail.takeRemainder() { write(remainder) }
        do { try output.write(slice) } catch { failed = true }
        if failed { unlink(target) }
        return failed ? nil : target
    }
}
