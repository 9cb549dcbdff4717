import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Scripted agents that report what their environment held, then do what
/// `ReviewAgent` does (a stream, a commit's worth of work).
enum EnvironmentAgent {
    /// Writes the run's variables and whether `.env` and `.venv` were there
    /// into `report` (outside the worktree: these suites run unconfined).
    static func script(report: String, marker: String? = nil) -> String {
        let probe = [
            "env | grep -E '^(KANBOTS_[A-Z]+|PORT)=' | sort > \(shellQuoted(report))",
            "[ -f .env ] && echo \"dotenv=$(cat .env)\" >> \(shellQuoted(report))",
            "[ -x .venv/bin/python ] && echo venv=yes >> \(shellQuoted(report))",
        ] + (marker.map { ["touch \(shellQuoted($0))"] } ?? [])
        return ReviewAgent.script().replacingOccurrences(of: "#!/bin/sh\n", with: "#!/bin/sh\n" + probe.joined(separator: "\n") + "\n")
    }
}

extension Sandbox {
    /// The run's whole record message, for fields that repeat (`Included:`).
    func recordText(_ id: String) throws -> String {
        try gitOK("log", "-1", "--format=%B", "refs/kanbots/runs/\(id)")
    }

    /// `KEY=value` lines a script wrote, as a dictionary.
    func keyValues(_ file: String) -> [String: String] {
        var values: [String: String] = [:]
        for line in (read(file) ?? "").split(separator: "\n") {
            guard let equals = line.firstIndex(of: "=") else { continue }
            values[String(line[..<equals])] = String(line[line.index(after: equals)...])
        }
        return values
    }

    /// Whether `pid` still runs: an orphan that was killed stays a zombie
    /// here until its new parent reaps it, and this machine's init never does.
    static func isRunning(_ pid: Int32) -> Bool {
        guard kill(pid, 0) == 0 else { return false }
        #if os(Linux)
        let stat = (try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)) ?? ""
        let state = stat.split(separator: ")").last?.split(separator: " ").first
        return state != "Z"
        #else
        return true
        #endif
    }

    /// Polls until `file` exists; false after `timeout`.
    func waitForFile(_ file: String, timeout: TimeInterval = 30) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while !exists(file) {
            if Date() > deadline { return false }
            Thread.sleep(forTimeInterval: 0.05)
        }
        return true
    }
}

/// A run's environment (docs/environment.md): setup before the agent,
/// ignored files brought along, ports per run. Real supervisors, real
/// setup processes, scripted agents.
@Suite("run environment") struct EnvironmentTests {
    /// The issue's case: a Python project whose `.venv` and `.env` git
    /// ignores; the check runs the virtualenv's Python.
    static func makePythonProject(_ sandbox: Sandbox) throws {
        try sandbox.write(".gitignore", ".venv/\n.env\nsecret.txt\n")
        try sandbox.write("app.py", "print('hello')\n")
        try sandbox.gitOK("add", ".gitignore", "app.py")
        try sandbox.gitOK("commit", "-q", "-m", "a Python project")
        try sandbox.write(".env", "DATABASE_URL=postgres://localhost/dev")
        try sandbox.write("secret.txt", "not for runs")
        try sandbox.write(".worktreeinclude", ".env\n")
    }

    @Test func setupMakesTheVirtualenvTheChecksNeedAndEveryProcessSeesTheRunsVariables() throws {
        try Sandbox.with(cards: ["Add CSV export"]) { sandbox in
            try Self.makePythonProject(sandbox)
            let checkReport = sandbox.root + "/check-env.txt"
            try sandbox.gitOK("config", "--add", "kanbots.setup", "python3 -m venv --without-pip .venv")
            try sandbox.gitOK("config", "--add", "kanbots.setup", "echo setup-saw-port=$KANBOTS_PORT")
            try sandbox.gitOK("config", "--add", "kanbots.check", ".venv/bin/python app.py")
            try sandbox.gitOK("config", "--add", "kanbots.check", "env | grep -E '^(KANBOTS_PORT|PORT)=' > \(shellQuoted(checkReport))")
            let report = sandbox.root + "/agent-env.txt"
            try sandbox.installFakeAgent("claude", script: EnvironmentAgent.script(report: report))
            let run = try sandbox.dispatch(1, ["--agent", "claude"])

            let finished = try sandbox.reviewedRun(try sandbox.finishedRun(run.id).id)
            #expect(finished.state == "completed")
            #expect(finished.checks?.outcome == "passed", "checks: \(String(describing: finished.checks))")
            let record = try sandbox.record(run.id)
            #expect(record["Setup"] == "passed", "\(record.fields)")
            let text = try sandbox.recordText(run.id)
            #expect(text.contains("Included: copied .env") && !text.contains("secret.txt"), "\(text)")

            // The agent saw the included file, the virtualenv and its variables.
            let seen = sandbox.keyValues(report)
            #expect(seen["venv"] == "yes" && seen["dotenv"] == "DATABASE_URL=postgres://localhost/dev", "\(seen)")
            let ports = try #require(record["Ports"], "no Ports: in \(record.fields)")
            let bounds = ports.split(separator: "-").compactMap { Int($0) }
            #expect(bounds.count == 2 && bounds[1] - bounds[0] + 1 == 10, "Ports: \(ports)")
            #expect(seen["KANBOTS_PORT"] == String(bounds.first ?? 0) && seen["PORT"] == seen["KANBOTS_PORT"])
            #expect(seen["KANBOTS_PORTS"] == "10" && seen["KANBOTS_RUN"] == run.id && seen["KANBOTS_CARD"] == "1")
            #expect(seen["KANBOTS_WORKTREE"] == run.worktree)
            // So did the checks, and the setup's output is kept.
            #expect(sandbox.keyValues(checkReport)["KANBOTS_PORT"] == seen["KANBOTS_PORT"])
            let log = try sandbox.gitOK("show", "refs/kanbots/runs/\(run.id):setup.log")
            #expect(log.contains("setup-saw-port=\(bounds.first ?? 0)"), "setup.log: \(log)")
            let shown = try sandbox.kanbots("show", run.id)
            #expect(shown.stdout.contains("ports      \(ports)") && shown.stdout.contains("setup passed"), "\(shown.stdout)")
            // The main checkout's ignored files are untouched.
            #expect(sandbox.read(".env") == "DATABASE_URL=postgres://localhost/dev")
        }
    }

    @Test func aFailingSetupFailsTheRunBeforeItsAgentAndSetupRunsItAgainOnceFixed() throws {
        try Sandbox.with(cards: ["Broken setup"]) { sandbox in
            try sandbox.gitOK("config", "--add", "kanbots.setup", "echo installing; echo missing-dependency >&2; exit 4")
            let marker = sandbox.root + "/agent-started"
            try sandbox.installFakeAgent("claude", script: EnvironmentAgent.script(report: sandbox.root + "/r", marker: marker))
            let run = try sandbox.dispatch(1, ["--agent", "claude"])

            let info = try sandbox.finishedRun(run.id)
            #expect(info.state == "failed")
            #expect(info.reason == "setup_failed: `echo installing; echo missing-dependency >&2; exit 4` exited 4",
                    "\(info.reason ?? "")")
            #expect(!sandbox.exists(marker), "the agent started after a failed setup")
            #expect(try sandbox.lifecycle(run.id) == ["queued", "queued", "failed"])
            let shown = try sandbox.kanbots("show", run.id)
            #expect(shown.stdout.contains("setup failed") && shown.stdout.contains("missing-dependency"), "\(shown.stdout)")
            let log = try sandbox.kanbots("log", run.id)
            #expect(log.stdout.contains("missing-dependency"), "\(log.stdout)")
            let board = try sandbox.kanbots("board")
            #expect(board.stdout.contains("git kanbots setup \(run.id)"), "\(board.stdout)")

            // Fixed: `setup RUN` runs it again and records the new outcome.
            try sandbox.gitOK("config", "--replace-all", "kanbots.setup", "echo fixed")
            let again = try sandbox.kanbots("setup", run.id)
            expectSuccess(again)
            #expect(again.stdout.contains("setup 1/1: echo fixed") && again.stdout.contains("setup passed"), "\(again.stdout)")
            #expect(try sandbox.record(run.id)["Setup"] == "passed")
            #expect(try sandbox.gitOK("show", "refs/kanbots/runs/\(run.id):setup.log").contains("fixed"))
        }
    }

    @Test func aHangingSetupIsEndedWithItsGroupAtTheTimeout() throws {
        try Sandbox.with(cards: ["Hanging setup"]) { sandbox in
            let pidFile = sandbox.root + "/setup.pid"
            try sandbox.gitOK("config", "kanbots.setup-timeout", "2s")
            try sandbox.gitOK("config", "--add", "kanbots.setup", "sleep 300 & echo $! > \(shellQuoted(pidFile)); wait")
            try sandbox.installFakeAgent("claude", script: ReviewAgent.script())
            let run = try sandbox.dispatch(1, ["--agent", "claude"])
            let info = try sandbox.finishedRun(run.id, timeout: 60)
            #expect(info.state == "failed" && info.reason?.contains("timed out after 2 s (kanbots.setup-timeout)") == true,
                    "\(info.state) \(info.reason ?? "")")
            let pid = try #require(sandbox.recordedPID(pidFile))
            #expect(!Sandbox.isRunning(pid), "the setup's child \(pid) outlived the timeout")
            #expect(try sandbox.record(run.id)["Setup"] == "timed_out")
        }
    }

    @Test func stoppingARunDuringItsSetupEndsTheSetup() throws {
        try Sandbox.with(cards: ["Stopped during setup"]) { sandbox in
            let pidFile = sandbox.root + "/setup.pid"
            try sandbox.gitOK("config", "--add", "kanbots.setup", "echo $$ > \(shellQuoted(pidFile)); exec sleep 300")
            let marker = sandbox.root + "/agent-started"
            try sandbox.installFakeAgent("claude", script: EnvironmentAgent.script(report: sandbox.root + "/r", marker: marker))
            let run = try sandbox.dispatch(1, ["--agent", "claude"])
            #expect(sandbox.waitForFile(pidFile), "the setup never started")
            let during = try sandbox.runs().first { $0.id == run.id }
            #expect(during?.column == "in_progress" && during?.reason == "setting_up", "\(String(describing: during))")

            expectSuccess(try sandbox.kanbots("stop", run.id))
            let info = try sandbox.finishedRun(run.id)
            #expect(info.state == "cancelled" && info.reason == "stopped_by_user", "\(info.state) \(info.reason ?? "")")
            let pid = try #require(sandbox.recordedPID(pidFile))
            #expect(kill(pid, 0) != 0, "the setup \(pid) outlived the stop")
            #expect(!sandbox.exists(marker), "the agent started after the stop")
        }
    }

    @Test func aSupervisorKilledDuringSetupIsReconciledAndItsSetupEnded() throws {
        try Sandbox.with(cards: ["Killed during setup"]) { sandbox in
            let pidFile = sandbox.root + "/setup.pid"
            try sandbox.gitOK("config", "--add", "kanbots.setup", "echo $$ > \(shellQuoted(pidFile)); exec sleep 300")
            try sandbox.installFakeAgent("claude", script: ReviewAgent.script())
            let run = try sandbox.dispatch(1, ["--agent", "claude"])
            #expect(sandbox.waitForFile(pidFile), "the setup never started")
            let supervisor = try #require(Int32(try sandbox.record(run.id)["Supervisor-PID"] ?? ""), "no supervisor pid recorded")
            kill(supervisor, SIGKILL)

            let info = try sandbox.finishedRun(run.id)
            #expect(info.state == "failed" && info.reason == "supervisor_lost", "\(info.state) \(info.reason ?? "")")
            let pid = try #require(sandbox.recordedPID(pidFile))
            let deadline = Date().addingTimeInterval(10)
            while Sandbox.isRunning(pid), Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
            #expect(!Sandbox.isRunning(pid), "the setup \(pid) outlived its reconciled run")
            #expect(sandbox.exists(run.worktree), "reconcile removed the worktree of a run that had been dispatched")
        }
    }

    @Test func includesCopyIgnoredFilesLinkFoldersAndRefusePathsOutsideTheRepository() throws {
        try Sandbox.with(cards: ["Includes", "Outside"]) { sandbox in
            try sandbox.write(".gitignore", ".env\ndata/\nnode_modules/\n")
            try sandbox.gitOK("add", ".gitignore")
            try sandbox.gitOK("commit", "-q", "-m", "ignores")
            try sandbox.write(".env", "KEY=1")
            try sandbox.write("node_modules/left-pad/index.js", "module.exports = 1")
            try sandbox.write("data/big.bin", "read-only data")
            try sandbox.write(".worktreeinclude", ".env\nnode_modules/\nnever-matches.txt\n")
            try sandbox.gitOK("config", "--add", "kanbots.link", "data")
            try sandbox.installFakeAgent("claude", script: ReviewAgent.script())
            let run = try sandbox.dispatch(1, ["--agent", "claude"])
            #expect(try sandbox.finishedRun(run.id).state == "completed")
            #expect(sandbox.read(run.worktree + "/.env") == "KEY=1")
            #expect(sandbox.read(run.worktree + "/node_modules/left-pad/index.js") == "module.exports = 1")
            let link = try FileManager.default.destinationOfSymbolicLink(atPath: run.worktree + "/data")
            #expect(Sandbox.realPath(link) == Sandbox.realPath(sandbox.repo + "/data"), "data links to \(link)")
            let text = try sandbox.recordText(run.id)
            for line in ["Included: copied .env", "Included: copied node_modules", "Included: linked data"] {
                #expect(text.contains(line), "no '\(line)' in \(text)")
            }

            // A pattern that leaves the repository fails the run, naming the line.
            try sandbox.write(".worktreeinclude", ".env\n../outside/secrets\n")
            let outside = try sandbox.dispatch(2, ["--agent", "claude"])
            let info = try sandbox.finishedRun(outside.id)
            #expect(info.state == "failed" && info.reason?.hasPrefix("include_failed") == true, "\(info.reason ?? "")")
            #expect(info.reason?.contains(".worktreeinclude") == true && info.reason?.contains("2") == true, "\(info.reason ?? "")")
        }
    }

    @Test func portsAreExhaustedWithAOneLineErrorAndFreedWhenRunsEnd() throws {
        try Sandbox.with(cards: ["First", "Second"]) { sandbox in
            // One block only, where no other run allocates and no outgoing connection lands (above 60999).
            try sandbox.gitOK("config", "kanbots.port-range", "62000-62004")
            try sandbox.gitOK("config", "kanbots.ports-per-run", "5")
            let gate = sandbox.root + "/gate"
            try sandbox.installFakeAgent("claude", script: ReviewAgent.script(gate: gate))
            let first = try sandbox.dispatch(1, ["--agent", "claude"])
            #expect(try sandbox.record(first.id)["Ports"] == "62000-62004")

            let refs = try sandbox.runRefs()
            let refused = try sandbox.kanbots("dispatch", "2", "--agent", "claude")
            expectCleanError(refused, mentioning: "kanbots.port-range")
            #expect(try sandbox.runRefs() == refs, "a refused dispatch left a run")

            try sandbox.write(gate, "")
            try sandbox.waitUntilIdle()
            let second = try sandbox.dispatch(2, ["--agent", "claude"])
            #expect(try sandbox.record(second.id)["Ports"] == "62000-62004", "the ended run's block was not freed")
        }
    }
}
