import KanbotsSystem
import Testing

@Suite struct ProcessCaptureTests {
    /// More than a pipe holds on both streams at once: neither may block the other.
    @Test func capturesBothStreamsInFull() throws {
        let script = "i=0; while [ $i -lt 3000 ]; do echo out-$i-................................; echo err-$i >&2; i=$((i+1)); done; exit 3"
        let result = try ProcessLauncher.run("/bin/sh", arguments: ["-c", script])
        #expect(result.status == .exited(3))
        #expect(!result.succeeded)
        #expect(String(decoding: result.output, as: UTF8.self).split(separator: "\n").count == 3000)
        #expect(result.complaint == "err-2999")
    }

    @Test func runsInTheFolderGiven() throws {
        let result = try ProcessLauncher.run("/bin/pwd", arguments: [], in: "/")
        #expect(result.succeeded)
        #expect(String(decoding: result.output, as: UTF8.self) == "/\n")
    }
}
