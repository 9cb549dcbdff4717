import Foundation
import Testing

extension HeavySuites {
    /// Twenty supervisors at once on this machine's cores, each metering a
    /// stream that arrives in pieces: nothing may be dropped on the way.
    @Suite("20 supervised runs at once") struct ConcurrentSupervisionTests {
        static let count = 20

        @Test func twentySupervisedRunsAllCompleteWithCompleteTranscripts() throws {
            try Sandbox.with(cards: ["Write the file"]) { sandbox in
                // A real captured stream, with a 256 KB tool result in the middle, sent slowly.
                var lines = try SupervisedAgentTests.fixtureLines(SupervisedAgentTests.capturedWriteFile)
                let big = String(repeating: "x", count: 256 * 1024)
                lines.insert(#"{"type":"user","message":{"role":"user","content":[{"type":"tool_result","tool_use_id":"toolu_big","content":"\#(big)"}]}}"#, at: 3)
                let total = try #require(Sandbox.resultEvent(in: lines.joined(separator: "\n"))?["total_cost_usd"] as? Double)
                let stream = sandbox.root + "/stream.ndjson"
                try sandbox.write(stream, lines.joined(separator: "\n") + "\n")
                try sandbox.installFakeAgent("claude", script: """
                    #!/bin/sh
                    while IFS= read -r line; do printf '%s\\n' "$line"; sleep 0.05; done < \(shellQuoted(stream))
                    printf 'run %s\\n' "$KANBOTS_RUN_ID" > output.txt
                    exit 0

                    """)

                let processes = try (0..<Self.count).map { _ in try sandbox.startKanbots(["dispatch", "1", "--agent", "claude"]) }
                let results = try processes.map { try $0.wait(timeout: 180) }
                let failed = results.filter { !$0.succeeded }
                #expect(failed.isEmpty, "\(failed)")
                let runs = try results.filter(\.succeeded).map(DispatchedRun.init(parsing:))
                #expect(Set(runs.map(\.id)).count == Self.count)

                let finished = try sandbox.waitUntilIdle(timeout: 240)
                #expect(finished.count == Self.count)
                for run in runs {
                    let info = try #require(finished.first { $0.id == run.id })
                    #expect(info.state == "completed", "\(run.id): \(info.state) \(info.reason ?? "")")
                    #expect(abs(info.costUSD - total) < 1e-6, "\(run.id) cost \(info.costUSD), stream says \(total)")
                    #expect(try sandbox.lifecycle(run.id) == ["queued", "running", "completed"], "lifecycle of \(run.id)")
                    let stored = try sandbox.storedTranscript(run.id).split(separator: "\n").map(String.init)
                    #expect(stored == lines, "\(run.id): stored \(stored.count) lines of \(lines.count)")
                    #expect(try sandbox.gitOK("show", "\(run.branch):output.txt") == "run \(run.id)")
                }
                // One note per run commit: twenty writers of the notes ref lost nothing.
                #expect(try sandbox.gitOK("notes", "--ref=kanbots", "list").split(separator: "\n").count == Self.count)
            }
        }
    }
}
