import Foundation
import Testing

/// Remote runs as Kubernetes Jobs, without a cluster: the rendered manifests
/// are validated against the batch/v1 Job schema offline (kubernetes-validate),
/// and the lifecycle runs against a stand-in `kubectl` (KubectlStandIn) that
/// runs a created Job's container command on this machine. The remote is a
/// bare repository the "pod" reaches by path; this clone learns by `sync`.
@Suite("kubernetes", .serialized)
struct KubernetesTests {
    /// A sandbox with a card, a bare remote holding main and the cards, and the stand-in on PATH.
    static func with(_ body: (Sandbox, KubectlStandIn) throws -> Void) throws {
        try Sandbox.with { sandbox in
            _ = try sandbox.newCard("Card 1")
            _ = try sandbox.addBareRemote()
            try sandbox.gitOK("push", "-q", "origin", "main")
            try sandbox.kanbotsOK("sync")
            let kubectl = try KubectlStandIn(sandbox)
            defer { kubectl.stop() }
            sandbox.environment.merge(kubectl.environment) { _, new in new }
            try body(sandbox, kubectl)
        }
    }

    /// `dispatch --on kubernetes`; returns the run id it printed.
    static func submit(_ sandbox: Sandbox, _ extra: [String] = [], environment: [String: String] = [:]) throws -> String {
        let result = try sandbox.run(try KanbotsBinary.path(), ["dispatch", "1", "--on", "kubernetes"] + extra, environment: environment)
        guard result.succeeded, result.stdout.contains("submitted to kubernetes"),
              let id = result.stdout.split(separator: " ").dropFirst().first else {
            throw TestFailure("dispatch --on kubernetes failed: \(result)")
        }
        return String(id)
    }

    /// `kubernetes-validate --strict` on `manifest`; returns its complaint, nil when valid.
    static func validationProblem(_ manifest: String, _ sandbox: Sandbox) throws -> String? {
        let path = sandbox.root + "/tmp/job-\(UUID().uuidString.prefix(6)).yaml"
        try Data(manifest.utf8).write(to: URL(fileURLWithPath: path))
        let result = try sandbox.run(try KubectlStandIn.validator(sandbox), ["--strict", path], timeout: 120)
        return result.succeeded ? nil : "\(result)"
    }

    @Test func aRunAsAJobIsAValidManifestArrivesBySyncAndLands() throws {
        try Self.with { sandbox, kubectl in
            try sandbox.gitOK("config", "kanbots.kubernetes.context", "lab")
            try sandbox.gitOK("config", "kanbots.kubernetes.namespace", "agents")
            try sandbox.gitOK("config", "kanbots.kubernetes.secret", "team-keys")
            let secret = "sk-ant-api03-" + String(repeating: "K", count: 40)
            try kubectl.addSecret("team-keys", ["ANTHROPIC_API_KEY": secret])
            let id = try Self.submit(sandbox, ["--max-time", "10m"], environment: ["ANTHROPIC_API_KEY": secret])

            // The manifest is in the record, a valid batch/v1 Job, and names the Secret without its value.
            let manifest = try sandbox.gitOK("show", "refs/kanbots/runs/\(id):job.yaml")
            #expect(try Self.validationProblem(manifest, sandbox) == nil)
            for line in ["name: kanbots-\(id)", "kanbots/run: \(id)", "backoffLimit: 0", "activeDeadlineSeconds: 660",
                         "restartPolicy: Never", "name: team-keys", "kanbots-supervisor job \"$run\""] {
                #expect(manifest.contains(line), "job.yaml lacks \(line): \(manifest)")
            }
            #expect(!manifest.contains(secret) && !manifest.contains("kanbots.kubernetes"), "\(manifest)")
            #expect(try sandbox.record(id)["Executor"] == "kubernetes")

            let record = try sandbox.syncUntil(id, state: "completed")
            #expect(record["Job"] == "kanbots-\(id)" && record["Node"] == "standin-node", "\(record)")
            let calls = kubectl.calls()
            let create = try #require(calls.first { $0.contains("create") }, "\(calls)")
            #expect(Array(create.prefix(5)) == ["--context", "lab", "--namespace", "agents", "create"], "\(create)")

            let branch = try sandbox.gitOK("for-each-ref", "--format=%(refname:short)", "refs/heads/kanbots/")
            #expect(try sandbox.gitOK("show", "\(branch):kanbots-demo/card-1.md").contains("Card 1"))
            let objects = try sandbox.gitOK("cat-file", "--batch-all-objects", "--batch", in: sandbox.root + "/remote.git")
            #expect(!objects.contains(secret), "a secret reached the remote")
            let landed = try sandbox.kanbots("land", "--ready")
            expectSuccess(landed)
            #expect(landed.stdout.contains("landed run \(id)"), "\(landed)")
        }
    }

    @Test func theRepositorysTemplateIsFilledInAndValid() throws {
        try Self.with { sandbox, _ in
            let template = KubernetesTemplateText.withResources
            try sandbox.write("deploy/kanbots-job.yaml", template)
            try sandbox.gitOK("config", "kanbots.kubernetes.template", "deploy/kanbots-job.yaml")
            try sandbox.gitOK("config", "kanbots.kubernetes.image", "registry.example/kanbots:1")
            // No --max-time: the line naming {{deadline}} is left out.
            let id = try Self.submit(sandbox)
            let manifest = try sandbox.gitOK("show", "refs/kanbots/runs/\(id):job.yaml")
            #expect(try Self.validationProblem(manifest, sandbox) == nil)
            #expect(manifest.contains("image: registry.example/kanbots:1") && manifest.contains("cpu: \"2\""), "\(manifest)")
            #expect(!manifest.contains("{{") && !manifest.contains("activeDeadlineSeconds"), "\(manifest)")
            _ = try sandbox.syncUntil(id, state: "completed")

            // A typo in a placeholder is refused before anything is claimed.
            try sandbox.write("deploy/kanbots-job.yaml", template.replacing("{{image}}", with: "{{imag}}"))
            let runs = try sandbox.runRefs()
            let refused = try sandbox.kanbots("dispatch", "1", "--on", "kubernetes")
            expectCleanError(refused, mentioning: "{{imag}}", "kanbots.kubernetes.template")
            // So is a template without the job's command.
            try sandbox.write("deploy/kanbots-job.yaml", template.replacing("- {{script}}", with: "- echo"))
            expectCleanError(try sandbox.kanbots("dispatch", "1", "--on", "kubernetes"), mentioning: "{{script}}")
            #expect(try sandbox.runRefs() == runs)
        }
    }

    @Test func stopDeletesTheJobAndTheRunEndsCancelled() throws {
        try Self.with { sandbox, kubectl in
            try kubectl.addSecret("kanbots-credentials", ["KANBOTS_DEMO_STEP_SECONDS": "1", "KANBOTS_DEMO_TURNS": "60"])
            let id = try Self.submit(sandbox)
            _ = try sandbox.syncUntil(id, state: "running")
            #expect(try sandbox.board().runs.first { $0.id == id }?.supervisor == "alive")
            // Liveness came from one listing of this repository's Jobs.
            let listing = try #require(kubectl.calls().first { $0.contains("get") }, "no liveness listing: \(kubectl.calls())")
            #expect(listing == ["get", "jobs", "-l", listing[3], "-o", "json"] && listing[3].hasPrefix("kanbots/repository=remote-"),
                    "\(listing)")
            let stopped = try sandbox.kanbots("stop", id, timeout: 90)
            expectSuccess(stopped)
            #expect(try sandbox.record(id)["State"] == "cancelled")
            let delete = kubectl.calls().first { $0.contains("delete") }
            #expect(delete == ["delete", "job", "kanbots-\(id)", "--cascade=foreground", "--wait=false"], "\(kubectl.calls())")
            #expect(!kubectl.isRunning("kanbots-\(id)"), "the pod outlived its Job")
            // The job's own record of the ending arrived through the remote: its supervisor stopped it.
            let remote = try sandbox.gitOK("log", "-1", "--format=%B", "refs/kanbots/runs/\(id)", in: sandbox.root + "/remote.git")
            #expect(remote.contains("State: cancelled"), "\(remote)")
            try sandbox.kanbotsOK("sync")
            #expect(try sandbox.record(id)["State"] == "cancelled")
        }
    }

    @Test func aJobKilledFromOutsideIsLost() throws {
        try Self.with { sandbox, kubectl in
            try kubectl.addSecret("kanbots-credentials", ["KANBOTS_DEMO_STEP_SECONDS": "1", "KANBOTS_DEMO_TURNS": "60"])
            let id = try Self.submit(sandbox)
            _ = try sandbox.syncUntil(id, state: "running")
            try kubectl.killPod("kanbots-\(id)")
            #expect(try ProcessProbe.waitUntil(timeout: 10) { !kubectl.isRunning("kanbots-\(id)") })
            usleep(UInt32(1_000_000 * 3.2))  // past the cached listing
            let run = try #require(try sandbox.runs().first { $0.id == id })
            #expect(run.recordedState == "failed" && run.reason?.hasPrefix("supervisor_lost") == true, "\(run)")
        }
    }

    @Test func logFollowReadsThePodsCheckpointsThroughTheRemote() throws {
        try Self.with { sandbox, kubectl in
            try sandbox.gitOK("config", "kanbots.remote.checkpoint", "1s")
            try kubectl.addSecret("kanbots-credentials", ["KANBOTS_DEMO_STEP_SECONDS": "0.5", "KANBOTS_DEMO_TURNS": "8"])
            let id = try Self.submit(sandbox)
            _ = try sandbox.syncUntil(id, state: "running")
            let followed = try sandbox.startKanbots(["log", "--follow", id]).wait(timeout: 90)
            expectSuccess(followed)
            #expect(followed.stdout.contains("Done: kanbots-demo/card-1.md is committed."), "\(followed)")
            #expect(followed.stdout.components(separatedBy: "I'll record this task").count == 2, "printed twice: \(followed)")
        }
    }

    @Test func withoutKubectlDispatchSaysSoAndClaimsNothing() throws {
        try Sandbox.with(cards: ["One"]) { sandbox in
            _ = try sandbox.addBareRemote()
            let result = try sandbox.kanbots("dispatch", "1", "--on", "kubernetes",
                                             environment: ["PATH": try KanbotsBinary.folder() + ":/nonexistent"])
            expectCleanError(result, mentioning: "kubectl", "--on local")
            #expect(try sandbox.runRefs().isEmpty)
        }
    }
}

/// A user's pod template: a Job manifest with the documented placeholders.
enum KubernetesTemplateText {
    static let withResources = """
        apiVersion: batch/v1
        kind: Job
        metadata:
          name: {{name}}
          labels:
            kanbots/repository: {{repository}}
            kanbots/run: {{run}}
        spec:
          backoffLimit: 0
          activeDeadlineSeconds: {{deadline}}
          ttlSecondsAfterFinished: 3600
          template:
            spec:
              restartPolicy: Never
              containers:
              - name: agent
                image: {{image}}
                command: ["/bin/sh", "-c"]
                args:
                - {{script}}
                resources:
                  limits:
                    cpu: "2"
                    memory: 4Gi
                envFrom:
                - secretRef:
                    name: {{secret}}
                    optional: true

        """
}
