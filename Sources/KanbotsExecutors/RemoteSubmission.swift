import KanbotsCore
import KanbotsGit
import KanbotsStore
import KanbotsSystem

/// What every engine's executor does the same way: find the engine's
/// program, read the remote, write the job script, and publish a run (its
/// record with the engine's file, its base as its branch ref, the cards) to
/// the remote before the engine is asked to start it.
struct RemoteSubmission {
    let repository: KanbotsRepository
    let kind: ExecutorKind

    var settings: Settings { Settings(repository) }

    /// The engine's program, or the one-line error naming `fix`.
    func program(_ name: String, install fix: String) throws -> String {
        guard let path = ProcessLauncher.locate(name) else {
            throw ExecutorError("--on \(kind.rawValue) needs `\(name)` on PATH: \(fix), or dispatch --on local")
        }
        return path
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

    /// The script the job runs, from this clone's settings.
    func jobScript(for record: RunRecord, workdir: String?) throws -> JobScript {
        let checkpoint = settings.string("kanbots.remote.checkpoint").flatMap(DurationText.seconds) ?? 10
        return JobScript(
            record: record, remoteURL: try remoteURL(), cloneTag: try settings.cloneTag().description,
            settings: try repository.git.configEntries(prefix: "kanbots."),
            checkpointSeconds: max(1, Int(checkpoint.rounded())), workdir: workdir)
    }

    /// The engine's time limit in seconds: a minute more than the run's cap,
    /// so the supervisor, which ends the agent at the cap, still has time to
    /// record it and push. Nil for a run without a wall-clock cap.
    static func timeLimit(for record: RunRecord) -> Int? {
        guard case .seconds(let seconds)? = record.maxTime else { return nil }
        return Int(seconds.rounded(.up)) + 60
    }

    /// Attaches `file` to the run's record, writes its base as the run's
    /// branch ref and pushes both with the cards; also keeps a copy of the
    /// file in the run's folder, which the engine's client reads. Returns its path.
    func publish(_ record: RunRecord, file name: String, contents: String) throws -> String {
        let stored = try RunStore(repository).update(record.id, attachments: [name: Data(contents.utf8)]) { _ in true }
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
        let path = folder + "/" + name
        try Data(contents.utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    /// Records the engine's job id next to the run, and forgets the cached
    /// listing, which lacks the new job: it must not read as gone.
    func submitted(_ record: RunRecord, job: String?) {
        EngineQueue(repository, kind: kind).invalidate()
        try? Data((job ?? "").utf8).write(to: URL(fileURLWithPath: repository.runDirectory(record.id) + "/job-id"))
    }
}
