import KanbotsCore
import KanbotsGit
import KanbotsStore
import KanbotsSystem

/// Runs a run's supervisor in a Slurm batch job. Submitting publishes the
/// run (its `queued` record with `job.sh`, its base as
/// `refs/kanbots/branches/<run>`, the cards) to the remote, then `sbatch`es
/// the script; everything else happens in the job, which pushes back as it
/// goes. The job is named after the run, so one `squeue` lists all of ours
/// and `scancel --name` stops one without a job id.
public struct SlurmExecutor: RunExecutor {
    let repository: KanbotsRepository

    public init(_ repository: KanbotsRepository) { self.repository = repository }

    public var kind: ExecutorKind { .slurm }

    var settings: Settings { Settings(repository) }

    func program(_ name: String) throws -> String {
        guard let path = ProcessLauncher.locate(name) else {
            throw ExecutorError(
                "--on slurm needs Slurm's `\(name)` on PATH: install slurm-client (or run on a login node), or dispatch --on local")
        }
        return path
    }

    public func checkAvailable() throws {
        _ = try program("sbatch")
        _ = try remoteURL()
    }

    func remoteURL() throws -> String {
        let remote = settings.executorRemote
        guard let url = try repository.git.configString("remote.\(remote).url") else {
            throw ExecutorError(
                "remote runs travel through the git remote '\(remote)', which this clone lacks: "
                    + "`git remote add \(remote) URL`, or `git config kanbots.remote NAME`")
        }
        return url
    }

    /// The script for `record`, as stored in its record tree.
    public func jobScript(for record: RunRecord) throws -> JobScript {
        let checkpoint = settings.string("kanbots.remote.checkpoint").flatMap(DurationText.seconds) ?? 10
        return JobScript(
            record: record, remoteURL: try remoteURL(), cloneTag: try settings.cloneTag().description,
            settings: try repository.git.configEntries(prefix: "kanbots."),
            checkpointSeconds: max(1, Int(checkpoint.rounded())), workdir: settings.string("kanbots.slurm.workdir"))
    }

    /// sbatch's options: the job's name and log, then `kanbots.slurm.*`, the
    /// time limit from `--max-time`, and last the extra `kanbots.slurm.args`
    /// (so they can override any of ours).
    func sbatchArguments(for record: RunRecord, script: String) -> [String] {
        var arguments = ["--parsable", "--job-name=\(record.jobName)",
                         "--output=\(repository.runDirectory(record.id))/job.log", "--chdir=/tmp"]
        if let partition = settings.string("kanbots.slurm.partition") { arguments.append("--partition=\(partition)") }
        if let account = settings.string("kanbots.slurm.account") { arguments.append("--account=\(account)") }
        if let cpus = settings.string("kanbots.slurm.cpus") { arguments.append("--cpus-per-task=\(cpus)") }
        if let memory = settings.string("kanbots.slurm.mem") { arguments.append("--mem=\(memory)") }
        if case .seconds(let seconds)? = record.maxTime {
            // A minute more than the cap: the supervisor ends the agent at
            // the cap and still has time to record it and push.
            arguments.append("--time=\(Int((seconds / 60).rounded(.up)) + 1)")
        }
        let extra = (try? repository.git.configEntries(prefix: "kanbots.slurm.args")) ?? []
        arguments += extra.flatMap { $0.value.split(separator: " ").map(String.init) }
        return arguments + [script]
    }

    public func submit(_ record: RunRecord, start: LocalStart?) throws -> String? {
        let sbatch = try program("sbatch")
        let script = try jobScript(for: record).text
        let store = RunStore(repository)
        let stored = try store.update(record.id, attachments: [RunRecord.jobScriptFile: Data(script.utf8)]) { _ in true }
        // The job starts from the base: it travels as the run's branch ref.
        guard let base = ObjectID(hex: stored.baseCommit) else {
            throw KanbotsError.io("run \(record.id) has no base commit to start from")
        }
        try repository.git.updateReference(record.remoteBranchRef, to: base, expecting: nil, message: "kanbots: submit")
        let report = try Synchronizer(repository, remote: settings.executorRemote).sync(push: true)
        if !report.rejected.isEmpty {
            throw ExecutorError("could not publish run \(record.id) to '\(settings.executorRemote)'; run `git kanbots sync` and dispatch again")
        }
        let folder = repository.runDirectory(record.id)
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let path = folder + "/" + RunRecord.jobScriptFile
        try Data(script.utf8).write(to: URL(fileURLWithPath: path))
        let result = try ProcessLauncher.run(sbatch, arguments: sbatchArguments(for: record, script: path))
        guard result.succeeded else {
            throw ExecutorError("sbatch refused run \(record.id): \(result.complaint) (check kanbots.slurm.* settings)")
        }
        // The queue listed a moment ago lacks the new job: it must not read as gone.
        EngineQueue(repository, kind: kind).invalidate()
        let job = String(decoding: result.output, as: UTF8.self).split(whereSeparator: { $0 == ";" || $0.isNewline }).first.map(String.init)
        try? Data((job ?? "").utf8).write(to: URL(fileURLWithPath: folder + "/job-id"))
        return job
    }

    public func requestStop(_ record: RunRecord) throws {
        let result = try ProcessLauncher.run(try program("scancel"), arguments: ["--name=\(record.jobName)"])
        guard result.succeeded else {
            throw ExecutorError("scancel could not stop run \(record.id): \(result.complaint)")
        }
        EngineQueue(repository, kind: kind).invalidate()
    }

    public func liveness(of record: RunRecord) -> Liveness {
        EngineQueue(repository, kind: kind).liveness(of: record)
    }
}

extension RunRecord {
    /// The job script in a remote run's record tree.
    public static let jobScriptFile = "job.sh"
}
