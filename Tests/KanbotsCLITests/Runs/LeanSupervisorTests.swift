import Foundation
import Testing

/// Supervisors and orchestrators run the lean `kanbots-supervisor` program,
/// found next to `git-kanbots`.
@Suite("lean supervisor") struct LeanSupervisorTests {
    private var supervisorPath: String { get throws { try KanbotsBinary.folder() + "/kanbots-supervisor" } }

    @Test func theSupervisorProgramLinksNoFullFoundation() throws {
        #if os(Linux)
        try Sandbox.with(repository: false) { sandbox in
            let result = try sandbox.run("/usr/bin/readelf", ["-d", try supervisorPath])
            #expect(result.status == 0, "readelf failed: \(result)")
            let needed = result.stdout.split(separator: "\n").filter { $0.contains("(NEEDED)") }.joined(separator: "\n")
            for heavy in ["libFoundation.so", "libFoundationNetworking", "libFoundationInternationalization", "lib_FoundationICU"] {
                #expect(!needed.contains(heavy), "kanbots-supervisor links \(heavy):\n\(needed)")
            }
            let symbols = try sandbox.run("/usr/bin/nm", ["-C", try supervisorPath])
            for module in ["ArgumentParser", "MCP.", "Hummingbird", "NIOCore"] {
                #expect(!symbols.stdout.contains(module), "kanbots-supervisor contains \(module)")
            }
        }
        #endif
    }

    @Test func aSupervisorIsTheLeanProgram() throws {
        try Sandbox.with(cards: ["Lean"]) { sandbox in
            // The demo agent, slowed down: the run lasts ~40 s unless stopped.
            let run = try sandbox.dispatch(1, environment: ["KANBOTS_DEMO_STEP_SECONDS": "5"])
            let pids = try sandbox.waitUntilRunning(run.id)
            #expect(sandbox.isSupervisor(pids.supervisor, of: run.id), "run \(run.id)'s supervisor is not kanbots-supervisor")
            try sandbox.kanbotsOK("stop", run.id)
        }
    }

    @Test func withoutItDispatchSaysToReinstallAndClaimsNothing() throws {
        try Sandbox.with(cards: ["Lonely"]) { sandbox in
            // git-kanbots alone in a folder, as after copying only it somewhere.
            let lonely = sandbox.root + "/lonely-bin"
            try FileManager.default.createDirectory(atPath: lonely, withIntermediateDirectories: true)
            try FileManager.default.copyItem(atPath: try KanbotsBinary.path(), toPath: lonely + "/git-kanbots")
            let result = try sandbox.run(lonely + "/git-kanbots", ["dispatch", "1", "--agent", "demo"], in: sandbox.repo)
            expectCleanError(result, mentioning: "kanbots-supervisor", "scripts/install.sh")
            let runs = try sandbox.runs()
            #expect(runs.isEmpty, "a run was claimed: \(runs)")
            let refs = try sandbox.git("for-each-ref", "refs/kanbots/runs", "refs/heads/kanbots").stdout
            #expect(refs.isEmpty, "refs were written: \(refs)")
        }
    }

    @Test func byHandItPrintsItsUsage() throws {
        try Sandbox.with(repository: false) { sandbox in
            let result = try sandbox.run(try supervisorPath, ["supervise", "1-abcd"])
            #expect(result.status == 64, "\(result)")
            #expect(result.stderr.contains("usage: kanbots-supervisor run RUN --repository PATH"), "\(result)")
        }
    }
}
