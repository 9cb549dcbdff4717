import KanbotsCore
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
    var submission: RemoteSubmission { RemoteSubmission(repository: repository, kind: kind) }

    func program(_ name: String) throws -> String {
        try submission.program(name, install: "install slurm-client (or run on a login node)")
    }

    public func checkAvailable() throws {
        _ = try program("sbatch")
        _ = try submission.remoteURL()
    }

    /// The script for `record`, as stored in its record tree.
    public func jobScript(for record: RunRecord) throws -> JobScript {
        try submission.jobScript(for: record, workdir: settings.string("kanbots.slurm.workdir"))
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
        if let seconds = RemoteSubmission.timeLimit(for: record) {
            arguments.append("--time=\((seconds + 59) / 60)")
        }
        let extra = (try? repository.git.configEntries(prefix: "kanbots.slurm.args")) ?? []
        arguments += extra.flatMap { $0.value.split(separator: " ").map(String.init) }
        return arguments + [script]
    }

    public func submit(_ record: RunRecord, start: LocalStart?) throws -> String? {
        let sbatch = try program("sbatch")
        let path = try submission.publish(record, file: RunRecord.jobScriptFile, contents: try jobScript(for: record).text)
        let result = try ProcessLauncher.run(sbatch, arguments: sbatchArguments(for: record, script: path))
        guard result.succeeded else {
            throw ExecutorError("sbatch refused run \(record.id): \(result.complaint) (check kanbots.slurm.* settings)")
        }
        let job = String(decoding: result.output, as: UTF8.self).split(whereSeparator: { $0 == ";" || $0.isNewline }).first.map(String.init)
        submission.submitted(record, job: job)
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
