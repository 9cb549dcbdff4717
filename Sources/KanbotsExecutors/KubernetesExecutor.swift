import KanbotsCore
import KanbotsStore
import KanbotsSystem

/// Runs a run's supervisor in a Kubernetes `batch/v1` Job, submitted with
/// `kubectl` in the user's context (`kanbots.kubernetes.context`,
/// `.namespace`). As for Slurm, submitting publishes the run to the remote
/// with its manifest (`job.yaml`), whose container runs the same job script;
/// the Job is named `kanbots-<run>` and labelled with the repository, so one
/// `kubectl get jobs -l` lists all of ours and `kubectl delete job` stops one.
///
/// Not run against a real cluster here: it is tested with a stand-in
/// `kubectl` and the manifest is validated against the Job schema offline
/// (docs/executors.md).
public struct KubernetesExecutor: RunExecutor {
    let repository: KanbotsRepository

    public static let templateKey = "kanbots.kubernetes.template"
    public static let imageKey = "kanbots.kubernetes.image"
    public static let secretKey = "kanbots.kubernetes.secret"
    public static let workdirKey = "kanbots.kubernetes.workdir"
    /// An image with git, `kanbots-supervisor` and the agent: none is
    /// published, so this names the one the user builds (docs/executors.md).
    public static let defaultImage = "git-kanbots:latest"
    public static let defaultSecret = "kanbots-credentials"

    public init(_ repository: KanbotsRepository) { self.repository = repository }

    public var kind: ExecutorKind { .kubernetes }

    var settings: Settings { Settings(repository) }
    var submission: RemoteSubmission { RemoteSubmission(repository: repository, kind: kind) }
    var scope: KubernetesScope { KubernetesScope(settings) }

    func kubectl() throws -> String {
        try submission.program("kubectl", install: "install kubectl and select your cluster's context")
    }

    public func checkAvailable() throws {
        _ = try kubectl()
        _ = try submission.remoteURL()
        try KubernetesManifest.check(try template())
    }

    /// The pod template: the repository's file when configured, else the built-in one.
    func template() throws -> String {
        guard let path = settings.string(Self.templateKey) else { return KubernetesManifest.defaultTemplate }
        let full = path.hasPrefix("/") ? path : repository.workingDirectory + "/" + path
        guard let data = FileManager.default.contents(atPath: full) else {
            throw ExecutorError("\(Self.templateKey) names '\(path)', which cannot be read: fix the path (relative to the repository) or unset it")
        }
        return String(decoding: data, as: UTF8.self)
    }

    /// The Job manifest for `record`, as stored in its record tree.
    public func manifest(for record: RunRecord) throws -> String {
        let script = try submission.jobScript(for: record, workdir: settings.string(Self.workdirKey))
        let manifest = KubernetesManifest(
            name: record.jobName, run: record.id.description, card: record.card,
            repository: KubernetesScope.repositoryValue(repository),
            image: settings.string(Self.imageKey) ?? Self.defaultImage,
            secret: settings.string(Self.secretKey) ?? Self.defaultSecret,
            deadline: RemoteSubmission.timeLimit(for: record), script: script.text)
        return try manifest.render(try template())
    }

    public func submit(_ record: RunRecord, start: LocalStart?) throws -> String? {
        let kubectl = try kubectl()
        let path = try submission.publish(record, file: RunRecord.jobManifestFile, contents: try manifest(for: record))
        // `create`, not `apply`: a Job of the same name is never ours to change.
        let result = try ProcessLauncher.run(kubectl, arguments: scope.arguments + ["create", "-f", path, "-o", "name"])
        guard result.succeeded else {
            throw ExecutorError(
                "kubectl refused run \(record.id): \(result.complaint) (check kanbots.kubernetes.* settings and `kubectl config current-context`)")
        }
        submission.submitted(record, job: record.jobName)
        return record.jobName
    }

    /// Deletes the Job with its pods. The pod's first process (the job
    /// script) gets SIGTERM and passes it to the supervisor, which records
    /// `cancelled`; the script pushes that record within the grace period.
    public func requestStop(_ record: RunRecord) throws {
        let result = try ProcessLauncher.run(
            try kubectl(), arguments: scope.arguments + ["delete", "job", record.jobName, "--cascade=foreground", "--wait=false"])
        guard result.succeeded else {
            throw ExecutorError("kubectl could not delete the Job of run \(record.id): \(result.complaint)")
        }
        EngineQueue(repository, kind: kind).invalidate()
    }

    public func liveness(of record: RunRecord) -> Liveness {
        EngineQueue(repository, kind: kind).liveness(of: record)
    }
}

extension RunRecord {
    /// The Job manifest in a Kubernetes run's record tree.
    public static let jobManifestFile = "job.yaml"
}
