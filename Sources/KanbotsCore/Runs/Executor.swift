/// Where a run's supervisor runs: on this machine (`local`, a detached
/// process) or inside a job of an existing batch engine (`slurm`,
/// `kubernetes`), reached only through the git remote (docs/executors.md).
public enum ExecutorKind: String, Sendable, CaseIterable {
    case local
    case slurm
    case kubernetes

    public var isRemote: Bool { self != .local }

    /// `--on` and `kanbots.executor` values; anything else is a one-line error.
    public static func parse(_ text: String) throws -> ExecutorKind {
        guard let kind = ExecutorKind(rawValue: text.lowercased()) else {
            throw ExecutorError(
                "unknown executor '\(text)': use --on \(allCases.map(\.rawValue).joined(separator: ", --on "))")
        }
        return kind
    }
}

extension RunRecord {
    public static let executorKey = "Executor"
    public static let jobKey = "Job"

    /// The executor the run was submitted to; records without the field are local.
    public var executor: ExecutorKind {
        get { extraValue(Self.executorKey).flatMap { ExecutorKind(rawValue: $0) } ?? .local }
        set { setExtra(Self.executorKey, newValue == .local ? nil : newValue.rawValue) }
    }

    /// The engine's id for the run's job (Slurm's job id), once it started.
    public var job: String? {
        get { extraValue(Self.jobKey) }
        set { setExtra(Self.jobKey, newValue) }
    }

    /// The name the run's job carries in the engine: how one listing of the
    /// engine's queue finds every run of ours without knowing job ids.
    public var jobName: String { "kanbots-\(id)" }

    /// The ref a remote run's branch travels under: outside `refs/heads/`, so
    /// the pre-push promise (no run branch on a remote unless promoted) holds.
    public var remoteBranchRef: String { "refs/kanbots/branches/\(id)" }
}

/// An executor's one-line error, naming the fix (a missing `sbatch`, a
/// refused submission, an unknown `--on`).
public struct ExecutorError: ExplainedError {
    public var description: String
    public init(_ description: String) { self.description = description }
}

extension Card {
    /// The card's default executor (`card new/edit --on slurm`, field `On:`),
    /// between `dispatch --on` and `kanbots.executor`.
    public var executor: ExecutorKind? {
        get { extra.last(where: { $0.key == "On" }).flatMap { ExecutorKind(rawValue: $0.value) } }
        set {
            extra.removeAll { $0.key == "On" }
            if let newValue { extra.append((key: "On", value: newValue.rawValue)) }
        }
    }
}
