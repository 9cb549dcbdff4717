import Foundation
import Testing

/// Remote runs on a real Slurm cluster started by the test (SlurmCluster):
/// the remote is a bare repository the nodes reach by path, each job works
/// in its own clone, and the submitting clone learns everything by `sync`.
@Suite("slurm", .serialized, .enabled(if: SlurmCluster.isAvailable, "needs slurmctld, slurmd, sbatch, munged (scripts/test.sh installs them) and root"))
struct SlurmTests {
    /// A sandbox with a card, a bare remote holding main and the cards, and a cluster.
    static func with(nodes: Int = 1, cards: Int = 1, _ body: (Sandbox, SlurmCluster) throws -> Void) throws {
        let cluster = try SlurmCluster(nodes: nodes)
        defer { cluster.stop() }
        try Sandbox.with { sandbox in
            for card in 1...cards { _ = try sandbox.newCard("Card \(card)") }
            _ = try sandbox.addBareRemote()
            try sandbox.gitOK("push", "-q", "origin", "main")
            try sandbox.kanbotsOK("sync")
            sandbox.environment.merge(cluster.environment) { _, new in new }
            try body(sandbox, cluster)
        }
    }

    /// `dispatch --on slurm`; returns the run id it printed.
    static func submit(_ sandbox: Sandbox, card: Int = 1, on: [String] = ["--on", "slurm"],
                       environment: [String: String] = [:]) throws -> String {
        let result = try sandbox.run(try KanbotsBinary.path(), ["dispatch", String(card)] + on, environment: environment)
        guard result.succeeded, result.stdout.contains("submitted to slurm"),
              let id = result.stdout.split(separator: " ").dropFirst().first else {
            throw TestFailure("dispatch --on slurm failed: \(result)")
        }
        return String(id)
    }

    static func waitForQueue(_ cluster: SlurmCluster, timeout: TimeInterval = 90,
                             until done: ([String]) -> Bool) throws {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if done(try cluster.queue()) { return }
            usleep(100_000)
        }
        throw TestFailure("the Slurm queue never settled: \(try cluster.queue())")
    }

    @Test func aRunOnSlurmArrivesBySyncWithItsBranchAndLands() throws {
        try Self.with { sandbox, cluster in
            let secret = "sk-ant-api03-" + String(repeating: "Q", count: 40)
            // A setting git's config syntax must quote reaches the job's clone as set here.
            let odd = "a \"quoted\" \\back\\slash $HOME\ttab"
            try sandbox.gitOK("config", "kanbots.agent.demo.note", odd)
            let started = Date()
            let id = try Self.submit(sandbox, environment: ["ANTHROPIC_API_KEY": secret])
            let submitted = Date().timeIntervalSince(started)
            // The job script is in the record, readable with plain git, and holds no secret.
            let script = try sandbox.gitOK("show", "refs/kanbots/runs/\(id):job.sh")
            #expect(script.contains("kanbots-supervisor job \"$run\""), "\(script)")
            #expect(!script.contains(secret))
            let config = NSTemporaryDirectory() + "kanbots-job-config-\(UUID().uuidString)"
            defer { unlink(config) }
            let block = script.components(separatedBy: "<<'KANBOTS_CONFIG' || exit 1\n").last?
                .components(separatedBy: "\nKANBOTS_CONFIG\n").first
            try Data(try #require(block).utf8).write(to: URL(fileURLWithPath: config))
            #expect(try sandbox.gitOK("config", "-f", config, "kanbots.agent.demo.note") == odd)
            #expect(try sandbox.gitOK("config", "-f", config, "remote.origin.url") == sandbox.gitOK("config", "remote.origin.url"))
            #expect(try sandbox.record(id)["Executor"] == "slurm")
            #expect(try sandbox.gitOK("branch", "--list", "kanbots/*").isEmpty, "a remote run has no local branch yet")

            let record = try sandbox.syncUntil(id, state: "completed")
            #expect(record["Job"] != nil && record["Node"] == "n1", "\(record)")
            if let created = record["Created"].flatMap(ISO8601DateFormatter().date),
               let running = record["Started"].flatMap(ISO8601DateFormatter().date) {
                print("slurm: dispatch returned after \(String(format: "%.2f", submitted)) s; agent started "
                    + "\(String(format: "%.2f", running.timeIntervalSince(created))) s after the claim")
            }
            // The branch came as refs/kanbots/branches/<run> and is now the run's local branch.
            let branch = try sandbox.gitOK("for-each-ref", "--format=%(refname:short)", "refs/heads/kanbots/")
            #expect(branch.hasPrefix("kanbots/issue-1-"), "\(branch)")
            #expect(try sandbox.gitOK("show", "\(branch):kanbots-demo/card-1.md").contains("Card 1"))
            // Never a run branch on the remote; no secret in any object there.
            let remote = sandbox.root + "/remote.git"
            #expect(try sandbox.gitOK("for-each-ref", "refs/heads/kanbots/", in: remote).isEmpty)
            let objects = try sandbox.gitOK("cat-file", "--batch-all-objects", "--batch", in: remote)
            #expect(!objects.contains(secret), "a secret reached the remote")
            #expect(try sandbox.storedTranscript(id).contains("\"type\":\"result\""))

            let landed = try sandbox.kanbots("land", "--ready")
            expectSuccess(landed)
            #expect(landed.stdout.contains("landed run \(id)"), "\(landed)")
            #expect(try sandbox.gitOK("show", "main:kanbots-demo/card-1.md").contains("Card 1"))
            #expect(try cluster.queue().isEmpty)
        }
    }

    @Test func stopCancelsTheJobAndTheRunEndsCancelled() throws {
        try Self.with { sandbox, cluster in
            let id = try Self.submit(sandbox, environment: ["KANBOTS_DEMO_STEP_SECONDS": "1", "KANBOTS_DEMO_TURNS": "60"])
            _ = try sandbox.syncUntil(id, state: "running")
            #expect(try sandbox.board().runs.first { $0.id == id }?.supervisor == "alive")
            let stopped = try sandbox.kanbots("stop", id, timeout: 90)
            expectSuccess(stopped)
            #expect(try sandbox.record(id)["State"] == "cancelled")
            let left = try cluster.queue()
            #expect(left.isEmpty, "scancel left the job: \(left)")
            // The job's own record of the ending arrives too; the run stays cancelled.
            try sandbox.kanbotsOK("sync")
            #expect(try sandbox.record(id)["State"] == "cancelled")
        }
    }

    @Test func aJobKilledFromOutsideIsLost() throws {
        try Self.with { sandbox, cluster in
            let id = try Self.submit(sandbox, environment: ["KANBOTS_DEMO_STEP_SECONDS": "1", "KANBOTS_DEMO_TURNS": "60"])
            let running = try sandbox.syncUntil(id, state: "running")
            let job = try #require(running["Job"])
            // SIGKILL to every process of the job: nobody in it can record the ending.
            cluster.killJobProcesses(job)
            try Self.waitForQueue(cluster) { $0.isEmpty }
            usleep(UInt32(1_000_000 * 3.2))  // past the cached listing
            let run = try #require(try sandbox.runs().first { $0.id == id })
            #expect(run.recordedState == "failed" && run.reason?.hasPrefix("supervisor_lost") == true, "\(run)")
        }
    }

    @Test func aRunPinnedToTheSecondNodeRunsThere() throws {
        try Self.with(nodes: 2) { sandbox, _ in
            try sandbox.gitOK("config", "kanbots.slurm.args", "--nodelist=n2")
            // The card's own default (`On:`) sends it to Slurm without --on.
            try sandbox.kanbotsOK("card", "edit", "1", "--on", "slurm")
            #expect(try sandbox.kanbotsOK("card", "show", "1").stdout.contains("on: slurm"))
            let id = try Self.submit(sandbox, on: [])
            let record = try sandbox.syncUntil(id, state: "completed")
            #expect(record["Node"] == "n2", "\(record)")
        }
    }

    @Test func aCapCrossedInTheJobEndsTheRunThereAndASecondCloneSeesIt() throws {
        try Self.with { sandbox, _ in
            let other = sandbox.root + "/other"
            try sandbox.gitOK("clone", "-q", sandbox.root + "/remote.git", other, in: sandbox.root)
            try sandbox.kanbotsOK("init", in: other)
            // The demo agent spends about $0.007: the job's supervisor caps it, as locally.
            let id = try Self.submit(sandbox, on: ["--on", "slurm", "--cap", "0.002"])
            let record = try sandbox.syncUntil(id, state: "failed")
            #expect(record["Reason"]?.hasPrefix("cost_capped") == true, "\(record)")
            // Another clone watching the same remote sees the run, and leaves it to its own clone.
            try sandbox.kanbotsOK("sync", in: other)
            let seen = try sandbox.gitOK("log", "-1", "--format=%B", "refs/kanbots/runs/\(id)", in: other)
            #expect(seen.contains("State: failed") && seen.contains("Executor: slurm"), "\(seen)")
            #expect(try sandbox.gitOK("for-each-ref", "refs/heads/kanbots/", in: other).isEmpty)
            expectSuccess(try sandbox.kanbots("board", in: other))
        }
    }

    @Test func logFollowReadsTheJobsCheckpointedTranscriptThroughTheRemote() throws {
        try Self.with { sandbox, _ in
            try sandbox.gitOK("config", "kanbots.remote.checkpoint", "1s")
            let id = try Self.submit(sandbox, environment: ["KANBOTS_DEMO_STEP_SECONDS": "0.5", "KANBOTS_DEMO_TURNS": "8"])
            _ = try sandbox.syncUntil(id, state: "running")
            let follower = try sandbox.startKanbots(["log", "--follow", id])
            // A checkpoint reaches the remote while the run still runs.
            let remote = sandbox.root + "/remote.git"
            let checkpointed = try ProcessProbe.waitUntil(timeout: 30, interval: 0.2) {
                let record = try sandbox.gitOK("log", "-1", "--format=%B", "refs/kanbots/runs/\(id)", in: remote)
                let transcript = try sandbox.git("show", "refs/kanbots/runs/\(id):transcript.ndjson", in: remote)
                return record.contains("State: running") && transcript.succeeded && transcript.stdout.contains("\"type\":\"assistant\"")
            }
            #expect(checkpointed, "no transcript checkpoint on the remote while the run ran")
            let followed = try follower.wait(timeout: 90)
            expectSuccess(followed)
            #expect(followed.stdout.contains("Done: kanbots-demo/card-1.md is committed."), "\(followed)")
            #expect(followed.stdout.components(separatedBy: "I'll record this task").count == 2, "printed twice: \(followed)")
        }
    }

    @Test func aQuestionAskedInTheJobIsAnsweredHereAndTheAgentGoesOn() throws {
        try Self.with { sandbox, _ in
            // Far longer than the test: the question must travel at once, not with a checkpoint.
            try sandbox.gitOK("config", "kanbots.remote.checkpoint", "5m")
            let agent = FakeDecisionAgent(arguments: DecisionTests.greeting)
            try sandbox.installFakeAgent("claude", script: agent.script(argsLog: sandbox.root + "/agent-args.jsonl"))
            let started = Date()
            let id = try Self.submit(sandbox, on: ["--on", "slurm", "--agent", "claude"])
            let asked = try sandbox.syncUntil(id, state: "awaiting_decision", timeout: 90)
            #expect(asked["Question"] == "Which greeting?", "\(asked)")
            print("slurm: the job's question was seen here \(String(format: "%.2f", Date().timeIntervalSince(started))) s after dispatch")
            #expect(try sandbox.openDecisions().map(\.run) == [id])
            #expect(try sandbox.board().runs.first { $0.id == id }?.supervisor == "alive")

            let answered = try sandbox.kanbots("answer", id, "2")
            expectSuccess(answered)
            let record = try sandbox.syncUntil(id, state: "completed", timeout: 90)
            #expect(record["Node"] == "n1", "\(record)")
            let answer = try #require(try sandbox.history(id).first { $0["Answer"] != nil })
            #expect(answer["Answer"] == "Hi" && answer["Answer-Source"] == "human", "\(answer)")
            let branch = try sandbox.gitOK("for-each-ref", "--format=%(refname:short)", "refs/heads/kanbots/")
            #expect(try sandbox.gitOK("show", "\(branch):answer.txt") == "The human answered: Hi")
            // Answering again finds no open question, here as on the remote.
            expectCleanError(try sandbox.kanbots("answer", id, "1"), mentioning: "not waiting")
        }
    }

    @Test func withoutSbatchDispatchSaysSoAndClaimsNothing() throws {
        try Sandbox.with(cards: ["One"]) { sandbox in
            _ = try sandbox.addBareRemote()
            let result = try sandbox.kanbots("dispatch", "1", "--on", "slurm", environment: ["PATH": try KanbotsBinary.folder() + ":/nonexistent"])
            expectCleanError(result, mentioning: "sbatch", "--on local")
            #expect(try sandbox.runRefs().isEmpty)
        }
    }
}
