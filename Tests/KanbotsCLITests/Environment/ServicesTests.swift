import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Services per run (`kanbots.service.NAME.*`): started after the setup,
/// alive while the agent works and while the checks run, ended with the
/// run. The database case runs two real PostgreSQL servers at once.
@Suite("run services") struct ServicesTests {
    /// PostgreSQL's programs: on PATH, else Debian's versioned folder.
    static func postgresProgram(_ name: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
        for folder in path.split(separator: ":") where FileManager.default.isExecutableFile(atPath: "\(folder)/\(name)") {
            return "\(folder)/\(name)"
        }
        let versions = (try? FileManager.default.contentsOfDirectory(atPath: "/usr/lib/postgresql")) ?? []
        for version in versions.sorted().reversed() where FileManager.default.isExecutableFile(atPath: "/usr/lib/postgresql/\(version)/bin/\(name)") {
            return "/usr/lib/postgresql/\(version)/bin/\(name)"
        }
        return nil
    }

    @Test func twoRunsEachGetTheirOwnPostgreSQLAndTheirChecksSeeOnlyTheirOwnTable() throws {
        let programs = ["initdb", "postgres", "psql", "pg_isready"].map { ($0, Self.postgresProgram($0)) }
        let missing = programs.filter { $0.1 == nil }.map(\.0)
        try #require(missing.isEmpty, "PostgreSQL is missing (\(missing)); scripts/test.sh installs Debian's postgresql")
        let bin = Dictionary(uniqueKeysWithValues: programs.map { ($0.0, $0.1!) })
        try Sandbox.with(cards: ["Orders table", "Invoices table"]) { sandbox in
            try sandbox.write(".gitignore", ".pg/\n")
            try sandbox.gitOK("add", ".gitignore")
            try sandbox.gitOK("commit", "-q", "-m", "ignore the database folder")
            // PostgreSQL refuses to run as root: as root, the database belongs to
            // `nobody`. setpriv execs in place (runuser would fork into a new session).
            let asUser = getuid() == 0 ? "setpriv --reuid=nobody --regid=nogroup --clear-groups " : ""
            let owner = getuid() == 0 ? "chown nobody .pg && " : ""
            try sandbox.gitOK("config", "--add", "kanbots.setup",
                              "mkdir -p .pg && chmod 755 . && \(owner)\(asUser)\(bin["initdb"]!) -D .pg/data -A trust -U kanbots >/dev/null")
            try sandbox.gitOK("config", "kanbots.service.db.command",
                              "\(asUser)\(bin["postgres"]!) -D .pg/data -p $KANBOTS_PORT -c listen_addresses=127.0.0.1 -c unix_socket_directories=$PWD/.pg")
            try sandbox.gitOK("config", "kanbots.service.db.ready", "\(bin["pg_isready"]!) -q -h 127.0.0.1 -p $KANBOTS_PORT")
            try sandbox.gitOK("config", "kanbots.service.db.ready-timeout", "60s")
            let psql = "\(bin["psql"]!) -X -q -t -A -h 127.0.0.1 -p $KANBOTS_PORT -U kanbots -d postgres"
            // Each run's check lists the tables its own server has: exactly its card's.
            try sandbox.gitOK("config", "--add", "kanbots.check",
                              "test \"$(\(psql) -c \"select string_agg(tablename, ',') from pg_tables where schemaname = 'public'\")\" = \"card_$KANBOTS_CARD\"")
            let agent = ReviewAgent.script().replacingOccurrences(
                of: "#!/bin/sh\n", with: "#!/bin/sh\n\(psql) -c \"create table card_$KANBOTS_CARD (id int)\" || exit 9\n")
            try sandbox.installFakeAgent("claude", script: agent)

            let first = try sandbox.dispatch(1, ["--agent", "claude"])
            let second = try sandbox.dispatch(2, ["--agent", "claude"])
            try sandbox.waitUntilIdle(timeout: 180)
            for run in [first, second] {
                let info = try sandbox.reviewedRun(run.id)
                #expect(info.state == "completed", "\(run.id): \(info.state) \(info.reason ?? "")")
                #expect(info.checks?.outcome == "passed", "\(run.id) checks: \(String(describing: info.checks))")
                // The server is gone with the run, and its log was kept.
                let log = try sandbox.gitOK("show", "refs/kanbots/runs/\(run.id):service-db.log")
                #expect(log.contains("database system is ready to accept connections"), "\(log)")
            }
            #expect(try sandbox.record(first.id)["Ports"] != (try sandbox.record(second.id)["Ports"]))
            let gone = try ProcessProbe.waitUntil(timeout: 10) {
                try sandbox.run("/bin/sh", ["-c", "pgrep -f -- '-D [.]pg/data' || true"]).stdout
                    .trimmingCharacters(in: .whitespacesAndNewlines).isEmpty
            }
            #expect(gone, "a postgres server outlived its run")
        }
    }

    @Test func aServiceThatNeverBecomesReadyFailsTheRunAndOneThatExitsIsRecorded() throws {
        try Sandbox.with(cards: ["Never ready", "Exits early"]) { sandbox in
            let marker = sandbox.root + "/agent-started"
            try sandbox.installFakeAgent("claude", script: EnvironmentAgent.script(report: sandbox.root + "/r", marker: marker))
            try sandbox.gitOK("config", "kanbots.service.web.command", "sleep 300")
            try sandbox.gitOK("config", "kanbots.service.web.ready", "false")
            try sandbox.gitOK("config", "kanbots.service.web.ready-timeout", "2s")
            let never = try sandbox.dispatch(1, ["--agent", "claude"])
            let info = try sandbox.finishedRun(never.id)
            #expect(info.state == "failed" && info.reason == "service_not_ready web", "\(info.state) \(info.reason ?? "")")
            #expect(!sandbox.exists(marker), "the agent started without its service")

            // Without `.ready`, the agent starts at once; a service that exits is noted, the run goes on.
            try sandbox.gitOK("config", "--unset", "kanbots.service.web.ready")
            try sandbox.gitOK("config", "kanbots.service.web.command", "echo serving on $PORT; exit 3")
            let gate = sandbox.root + "/gate"
            try sandbox.installFakeAgent("claude", script: ReviewAgent.script(gate: gate))
            let early = try sandbox.dispatch(2, ["--agent", "claude"])
            Thread.sleep(forTimeInterval: 1)
            try sandbox.write(gate, "")
            let ended = try sandbox.finishedRun(early.id)
            #expect(ended.state == "completed", "\(ended.state) \(ended.reason ?? "")")
            #expect(try sandbox.record(early.id)["Service-Exited"] == "web exited 3")
            let log = try sandbox.gitOK("show", "refs/kanbots/runs/\(early.id):service-web.log")
            let port = try sandbox.record(early.id)["Ports"]?.split(separator: "-").first.map(String.init) ?? "?"
            #expect(log.contains("serving on \(port)"), "\(log)")
        }
    }
}
