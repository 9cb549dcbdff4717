import KanbotsCore
import KanbotsSystem

/// Where this repository's Kubernetes Jobs live and how they are found: the
/// `kubectl` context and namespace (`kanbots.kubernetes.context`,
/// `.namespace`; unset, kubectl's current ones) and the label every Job of
/// this repository carries. Shared by the executor, which submits and
/// deletes Jobs, and `EngineQueue`, which lists them.
public struct KubernetesScope {
    public static let contextKey = "kanbots.kubernetes.context"
    public static let namespaceKey = "kanbots.kubernetes.namespace"
    /// The label naming the repository a Job serves: one listing finds all of ours.
    public static let repositoryLabel = "kanbots/repository"
    /// The label naming the run a Job serves.
    public static let runLabel = "kanbots/run"

    public var context: String?
    public var namespace: String?

    public init(_ settings: Settings) {
        context = settings.string(Self.contextKey)
        namespace = settings.string(Self.namespaceKey)
    }

    /// kubectl's global options, given before the verb.
    public var arguments: [String] {
        (context.map { ["--context", $0] } ?? []) + (namespace.map { ["--namespace", $0] } ?? [])
    }

    /// The `kanbots/repository` label's value: the remote's name (a label
    /// value: at most 63 of a-z, 0-9, `-`, `.`, `_`) and a hash of its URL,
    /// so two repositories named alike in one namespace never share it.
    /// Every clone of one remote URL gets the same value.
    public static func repositoryValue(_ repository: KanbotsRepository) -> String {
        let settings = Settings(repository)
        let url = (try? repository.git.configString("remote.\(settings.executorRemote).url")) ?? repository.commonDirectory
        var name = PathName.lastComponent(of: url.hasSuffix("/") ? String(url.dropLast()) : url)
        if name.hasSuffix(".git") { name = String(name.dropLast(4)) }
        let cleaned = String(name.lowercased().map { $0.isASCII && ($0.isLetter || $0.isNumber) ? $0 : "-" }.prefix(40))
        var hash = Hasher64()
        hash.add(Array(url.utf8))
        let digest = String(String(hash.value, radix: 16).suffix(12))
        let trimmed = cleaned.trimming(charactersIn: "-")
        return (trimmed.isEmpty ? "repo" : trimmed) + "-" + digest
    }
}

/// The part of `kubectl get jobs -o json` liveness reads.
struct KubernetesJobList: Decodable {
    struct Job: Decodable {
        struct Metadata: Decodable { var name: String }
        struct Status: Decodable {
            struct Condition: Decodable {
                var type: String
                var status: String
            }
            var conditions: [Condition]?
        }
        var metadata: Metadata
        var status: Status?
    }
    var items: [Job]

    /// A Job lives until it is `Complete` or `Failed` (or deleted, when it
    /// leaves the list). A Job just created has no status yet: it lives.
    static func liveNames(in data: Data) -> [String]? {
        guard let list = try? JSONDecoder().decode(Self.self, from: data) else { return nil }
        return list.items.filter { job in
            !(job.status?.conditions ?? []).contains { ["Complete", "Failed"].contains($0.type) && $0.status == "True" }
        }.map(\.metadata.name)
    }
}
