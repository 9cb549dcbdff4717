import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Agents run inside bubblewrap (`kanbots.sandbox`, docs/agents.md
/// "Confinement"): their own worktree and branch are writable, nothing else
/// of the repository or the home folder is.
/// Whether bwrap is installed and can make namespaces here.
enum Bubblewrap {
    static let works: Bool = {
    #if os(Linux)
    let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
    guard let bwrap = path.split(separator: ":").map({ $0 + "/bwrap" })
        .first(where: FileManager.default.isExecutableFile(atPath:)) else { return false }
    let probe = Process()
    probe.executableURL = URL(fileURLWithPath: bwrap)
    probe.arguments = ["--ro-bind", "/", "/", "--dev", "/dev", "--", "/bin/true"]
    probe.standardError = FileHandle.nullDevice
    guard (try? probe.run()) != nil else { return false }
    probe.waitUntilExit()
    return probe.terminationStatus == 0
    #else
    return false
    #endif
}()
}

@Suite("confinement", .enabled(if: Bubblewrap.works, "needs a working bwrap (bubblewrap)"))
struct ConfinementTests {
    @Test func anAgentCanOnlyWriteItsOwnWorktreeAndBranch() throws {
        try Sandbox.with(cards: ["First", "Intruder"]) { sandbox in
            try sandbox.gitOK("config", "kanbots.sandbox", "on")
            let other = try sandbox.dispatch(1, ["--agent", "demo"])
            _ = try sandbox.finishedRun(other.id)
            let targets = [
                "other run's worktree": other.worktree + "/evil.txt",
                "main checkout": sandbox.repo + "/evil.txt",
                "home": sandbox.home + "/evil.txt",
            ]
            let attempts = targets.values.sorted().map { "echo evil > \(shellQuoted($0)) || echo \"refused: \($0)\"" }
            try sandbox.installFakeAgent("claude", script: """
                #!/bin/sh
                \(attempts.joined(separator: "\n"))
                echo mine > mine.txt
                git add mine.txt && git commit -q -m 'Mine, committed by the agent'
                echo '{"type":"result","subtype":"success","is_error":false,"total_cost_usd":0.001}'

                """)
            let run = try sandbox.dispatch(2, ["--agent", "claude"])
            let info = try sandbox.finishedRun(run.id)
            #expect(info.state == "completed", "\(info.state) \(info.reason ?? "")")
            for (place, path) in targets {
                #expect(!sandbox.exists(path), "the agent wrote into the \(place): \(path)")
            }
            #expect(try sandbox.gitOK("log", "-1", "--format=%s", run.branch) == "Mine, committed by the agent")
            #expect(try sandbox.gitOK("show", "\(run.branch):mine.txt") == "mine")

            let record = try sandbox.record(run.id)
            #expect(record["Sandbox"] == "bwrap", "\(record.fields)")
            let denied = try Self.recordedDenials(sandbox, run.id)
            #expect(Set(denied) == Set(targets.values), "denied: \(denied)")
            let stderr = try sandbox.gitOK("show", "refs/kanbots/runs/\(run.id):agent-stderr.txt")
            #expect(stderr.contains("Read-only file system"), "\(stderr)")
        }
    }

    @Test func sandboxOnWithoutBubblewrapIsRefusedAtDispatch() throws {
        try Sandbox.with(cards: ["Confined"]) { sandbox in
            try sandbox.gitOK("config", "kanbots.sandbox", "on")
            let noBubblewrap = ["PATH": try KanbotsBinary.folder() + ":/nonexistent"]
            expectCleanError(try sandbox.kanbots("dispatch", "1", "--agent", "demo", environment: noBubblewrap),
                             mentioning: "bubblewrap", "kanbots.sandbox off")
            #expect(try sandbox.runRefs().isEmpty, "a run was created")
            // auto without bwrap runs unconfined.
            try sandbox.gitOK("config", "kanbots.sandbox", "auto")
            let run = try sandbox.dispatch(1, ["--agent", "demo"], environment: noBubblewrap)
            #expect(try sandbox.finishedRun(run.id).state == "completed")
            #expect(try sandbox.record(run.id)["Sandbox"] == nil)

            try sandbox.gitOK("config", "kanbots.sandbox", "sometimes")
            expectCleanError(try sandbox.kanbots("dispatch", "1", "--agent", "demo"), mentioning: "auto, on or off")

            try sandbox.gitOK("config", "kanbots.sandbox", "on")
            try sandbox.gitOK("config", "kanbots.agent.demo.writable", "state/demo")
            expectCleanError(try sandbox.kanbots("dispatch", "1", "--agent", "demo"),
                             mentioning: "kanbots.agent.demo.writable", "under ~/")
        }
    }
}

extension ConfinementTests {
    /// The real Claude Code CLI, confined: it works in its worktree, keeps
    /// its session in `~/.claude` (writable) and resumes it on a reply, and
    /// its decision server records the question through the run's record.
    @Test func realClaudeWorksConfinedAndResumes() throws {
        try Sandbox.with(cards: ["Create hello.txt"]) { sandbox in
            try sandbox.gitOK("config", "kanbots.sandbox", "on")
            try sandbox.gitOK("config", "kanbots.agent.claude.path", try MockAnthropic.claudeBinary(sandbox))
            let mock = try MockAnthropic(scenario: "scenario-reply.json", in: sandbox)
            defer { mock.stop() }
            let environment = try mock.claudeEnvironment(in: sandbox)
            let first = try sandbox.dispatch(1, ["--agent", "claude", "--model", "claude-sonnet-4-5"], environment: environment)
            let firstInfo = try sandbox.finishedRun(first.id, timeout: 90)
            #expect(firstInfo.state == "completed", "\(firstInfo.state) \(firstInfo.reason ?? "")")
            #expect(try sandbox.record(first.id)["Sandbox"] == "bwrap")
            let reply = try DispatchedRun(parsing: try sandbox.kanbotsOK(
                "reply", first.id, "Please add bye.txt too.", environment: environment))
            let info = try sandbox.finishedRun(reply.id, timeout: 90)
            let agentError = try sandbox.record(reply.id)["Agent-Error"] ?? ""
            #expect(info.state == "completed", "\(info.state) \(info.reason ?? "") \(agentError)")
            #expect(try sandbox.gitOK("show", "\(first.branch):bye.txt") == "Goodbye!")
        }
    }
}

extension ConfinementTests {
    /// An agent right in /tmp is bound alone: binding its folder, /tmp,
    /// would show the real /tmp (and its sockets) instead of a private one.
    @Test func anAgentRightInTmpStillGetsAPrivateTmp() throws {
        try Sandbox.with(cards: ["Private tmp"]) { sandbox in
            try sandbox.gitOK("config", "kanbots.sandbox", "on")
            let tag = UUID().uuidString.prefix(8).lowercased()
            let marker = "/tmp/kanbots-marker-\(tag)", agent = "/tmp/kanbots-agent-\(tag)"
            let scratch = "/tmp/kanbots-scratch-\(tag)"
            try "visible only outside".write(toFile: marker, atomically: true, encoding: .utf8)
            defer { unlink(marker); unlink(agent); unlink(scratch) }
            let run = try Self.runConfined(sandbox, agentAt: agent, doing: """
                [ -e \(marker) ] && echo leaked > tmp-leaked.txt
                echo scratch > \(scratch) && cp \(scratch) mine.txt
                """)
            #expect(try sandbox.gitOK("show", "\(run.branch):mine.txt") == "scratch")
            #expect(!(try sandbox.git("show", "\(run.branch):tmp-leaked.txt").succeeded), "the real /tmp was visible")
            #expect(!FileManager.default.fileExists(atPath: scratch), "the agent wrote into the real /tmp")
        }
    }

    /// Installs at `path` an agent that runs `script` and reports success,
    /// dispatches card 1 to it, and returns the run once it completed.
    static func runConfined(_ sandbox: Sandbox, agentAt path: String, doing script: String) throws -> DispatchedRun {
        let result = #"echo '{"type":"result","subtype":"success","is_error":false,"total_cost_usd":0.001}'"#
        try "#!/bin/sh\n\(script)\n\(result)\n".write(toFile: path, atomically: true, encoding: .utf8)
        chmod(path, 0o755)
        try sandbox.gitOK("config", "kanbots.agent.claude.path", path)
        let run = try sandbox.dispatch(1, ["--agent", "claude"])
        let info = try sandbox.finishedRun(run.id)
        #expect(info.state == "completed", "\(info.state) \(info.reason ?? "")")
        return run
    }

    /// The fresh /dev the sandbox gives hides /dev/shm: an agent installed
    /// there is bound back, read-only, like one in /tmp.
    @Test func anAgentInDevShmStillRunsAndCannotWriteThere() throws {
        guard FileManager.default.fileExists(atPath: "/dev/shm") else { return }
        try Sandbox.with(cards: ["Shared memory"]) { sandbox in
            try sandbox.gitOK("config", "kanbots.sandbox", "on")
            let folder = "/dev/shm/kanbots-agent-\(UUID().uuidString.prefix(8).lowercased())"
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(atPath: folder) }
            let agent = folder + "/agent"
            let run = try Self.runConfined(sandbox, agentAt: agent, doing: """
                echo changed > \(folder)/written.txt 2>/dev/null
                echo ran > ran.txt
                """)
            #expect(try sandbox.gitOK("show", "\(run.branch):ran.txt") == "ran")
            #expect(!FileManager.default.fileExists(atPath: folder + "/written.txt"), "the agent wrote beside its program")
        }
    }
}

/// ACP agents and Aider run behind our clients (acp-client, aider-client),
/// which stay outside the sandbox; only the agent is confined.
extension ConfinementTests {
    /// Where an agent must not write: another run's worktree, the main
    /// checkout, its `HOME` and the runs' records (which only our clients
    /// write for these agents).
    static func forbiddenPaths(_ sandbox: Sandbox, otherRun: DispatchedRun, home: String) -> [String: String] {
        ["other run's worktree": otherRun.worktree + "/evil.txt", "main checkout": sandbox.repo + "/evil.txt",
         "home": home + "/evil.txt", "run records": sandbox.repo + "/.git/refs/kanbots/runs/evil"]
    }

    /// The run's `Sandbox-Denied:` paths.
    static func recordedDenials(_ sandbox: Sandbox, _ id: String) throws -> [String] {
        try sandbox.gitOK("log", "-1", "--format=%B", "refs/kanbots/runs/\(id)")
            .split(separator: "\n").filter { $0.hasPrefix("Sandbox-Denied: ") }.map { String($0.dropFirst(16)) }
    }

    static func expectConfined(_ sandbox: Sandbox, run: DispatchedRun, info: RunInfo, targets: [String: String]) throws {
        #expect(info.state == "completed", "\(info.state) \(info.reason ?? "")")
        for (place, path) in targets {
            #expect(!sandbox.exists(path), "the agent wrote into the \(place): \(path)")
        }
        #expect(try sandbox.record(run.id)["Sandbox"] == "bwrap")
        let denied = try recordedDenials(sandbox, run.id)
        #expect(Set(denied) == Set(targets.values), "denied: \(denied)")
    }

    @Test func anACPAgentCanOnlyWriteItsOwnWorktree() throws {
        try Sandbox.with(cards: ["First", "Write acp.txt"]) { sandbox in
            let other = try sandbox.dispatch(1, ["--agent", "demo"])
            _ = try sandbox.finishedRun(other.id)
            let targets = Self.forbiddenPaths(sandbox, otherRun: other, home: sandbox.home)
            let log = try ACPAgentTests.installScripted(sandbox, script: "write", intrude: Array(targets.values))
            try sandbox.gitOK("config", "kanbots.sandbox", "on")
            let run = try sandbox.dispatch(2, ["--agent", "acp", "--max-time", "5m"])
            let info = try sandbox.finishedRun(run.id, timeout: 60)
            try Self.expectConfined(sandbox, run: run, info: info, targets: targets)
            #expect(try sandbox.gitOK("show", "\(run.branch):acp.txt") == "written over ACP")
            // Its `kanbots.agent.acp.writable` folder stayed writable.
            #expect(sandbox.read(log)?.contains("received session/prompt") == true)
        }
    }

    /// Aider runs its `--test-cmd` after its edit, as it would the project's
    /// tests: the command tries to write outside the worktree.
    @Test func aiderCanOnlyWriteItsOwnWorktreeAndBranch() throws {
        try Sandbox.with(cards: ["Create hello.txt"]) { sandbox in
            let other = try sandbox.dispatch(1, ["--agent", "demo"])
            _ = try sandbox.finishedRun(other.id)
            let targets = Self.forbiddenPaths(sandbox, otherRun: other, home: sandbox.root + "/aider-home")
            let intruder = sandbox.root + "/agents/intrude.sh"
            try sandbox.write(intruder, "#!/bin/sh\n" + targets.values.sorted()
                .map { "echo evil > \(shellQuoted($0)) || echo \"refused: \($0)\"" }.joined(separator: "\n") + "\nexit 0\n",
                executable: true)
            let (run, info) = try AiderTests.runToItsEnd(sandbox, extraArguments: "--auto-test --test-cmd=\(intruder)")
            try Self.expectConfined(sandbox, run: run, info: info, targets: targets)
            // Aider's own commit, on its own branch.
            let subjects = try sandbox.gitOK("log", "--format=%s", "\(info.baseCommit)..\(run.branch)")
            #expect(subjects.contains("Add hello.txt with a greeting"), "\(subjects)")
        }
    }
}
