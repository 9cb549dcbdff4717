import KanbotsCore
import KanbotsSystem

/// What a batch engine (Slurm, Kubernetes) knows of our runs' jobs: their
/// names, listed in one call for all remote runs and cached a few seconds
/// in `.git/kanbots/executors/`, so a board of fifty remote runs asks the
/// engine once, not fifty times.
///
/// It lives in the store, below the executors, because liveness is the
/// store's question (`BoardLoader.liveness`), asked by every command.
public struct EngineQueue {
    let repository: KanbotsRepository
    let kind: ExecutorKind
    /// How long one listing answers for: long enough for a board load and
    /// the reconcile that follows it, short enough that `stop` sees a job end.
    public static let maxAge: TimeInterval = 3

    public init(_ repository: KanbotsRepository, kind: ExecutorKind) {
        self.repository = repository
        self.kind = kind
    }

    var cachePath: String { repository.stateDirectory + "/executors/\(kind.rawValue).queue" }

    /// The engine's program and arguments listing this user's (Slurm) or this
    /// repository's (Kubernetes) jobs.
    public func listing() -> (program: String, arguments: [String])? {
        switch kind {
        case .local: nil
        case .slurm: ("squeue", ["--me", "--noheader", "--format=%j"])
        case .kubernetes:
            ("kubectl", KubernetesScope(Settings(repository)).arguments
                + ["get", "jobs", "-l", "\(KubernetesScope.repositoryLabel)=\(KubernetesScope.repositoryValue(repository))",
                   "-o", "json"])
        }
    }

    /// The names of the live jobs in the listing's output. squeue lists only
    /// jobs that have not ended; a Kubernetes Job stays listed once it has
    /// ended, so there its status says whether it lives.
    func liveNames(in output: Data) -> [String]? {
        switch kind {
        case .local: []
        case .slurm:
            String(decoding: output, as: UTF8.self).split(separator: "\n")
                .map { String($0).trimmingSpaces() }.filter { !$0.isEmpty }
        case .kubernetes: KubernetesJobList.liveNames(in: output)
        }
    }

    /// `.alive` while the engine knows the run's job, `.gone` once it does not,
    /// `.elsewhere` when the engine cannot be asked (never taken for a loss).
    public func liveness(of record: RunRecord) -> Liveness {
        guard let names = jobNames() else { return .elsewhere }
        return names.contains(record.jobName) ? .alive : .gone
    }

    /// The job names, from the cache while it is fresh, else from the engine.
    public func jobNames() -> Set<String>? {
        if let cached = readCache() { return cached }
        guard let (program, arguments) = listing(),
              let executable = ProcessLauncher.locate(program),
              let run = try? ProcessLauncher.run(executable, arguments: arguments), run.succeeded,
              let names = liveNames(in: run.output) else { return nil }
        writeCache(names)
        return Set(names)
    }

    /// Forgets the cached listing: after a submission (the new job must not
    /// read as gone) and while waiting for a cancelled job to leave.
    public func invalidate() { unlink(cachePath) }

    private func readCache() -> Set<String>? {
        guard let data = FileManager.default.contents(atPath: cachePath) else { return nil }
        var lines = String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
        guard let first = lines.first, let stamp = Double(first),
              Date().timeIntervalSince1970 - stamp < Self.maxAge else { return nil }
        lines.removeFirst()
        return Set(lines.filter { !$0.isEmpty }.map(String.init))
    }

    private func writeCache(_ names: [String]) {
        let folder = repository.stateDirectory + "/executors"
        try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let temporary = cachePath + ".\(getpid())"
        let text = ([String(Date().timeIntervalSince1970)] + names).joined(separator: "\n") + "\n"
        // Written aside and renamed: a reader sees the old listing or the new one, never half.
        guard FileManager.default.createFile(atPath: temporary, contents: Data(text.utf8)) else { return }
        if rename(temporary, cachePath) != 0 { unlink(temporary) }
    }
}

extension Settings {
    /// Set in a job's own clone (to the run it serves): there the run's
    /// supervisor is local, and its lock, not the engine, says it is alive.
    public static let jobRunKey = "kanbots.job-run"

    /// `kanbots.executor`: where `dispatch` sends runs unless told `--on`.
    public func executor() throws -> ExecutorKind {
        try string("kanbots.executor").map(ExecutorKind.parse) ?? .local
    }

    /// `kanbots.remote` (default `origin`): the remote remote runs travel through.
    public var executorRemote: String { string("kanbots.remote") ?? "origin" }
}
