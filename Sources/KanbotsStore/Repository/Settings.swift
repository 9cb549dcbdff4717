import KanbotsCore
import KanbotsGit

/// The `kanbots.*` git config, with defaults. Config, not files, so a user
/// can read and change every setting with `git config`.
public struct Settings {
    let repository: KanbotsRepository

    public init(_ repository: KanbotsRepository) { self.repository = repository }

    public enum Key {
        public static let version = "kanbots.version"
        public static let clone = "kanbots.clone"
        public static let base = "kanbots.base"
        public static let agent = "kanbots.agent"
        public static let model = "kanbots.model"
        public static let cap = "kanbots.cap"
        public static let source = "kanbots.source"
        public static let decideAfter = "kanbots.decide-after"
    }

    public static let defaultCapUSD = 4.0
    public static let formatVersion = "1"

    public func string(_ key: String) -> String? { (try? repository.git.configString(key)) ?? nil }

    public func set(_ key: String, _ value: String) throws { try repository.git.setLocalConfig(key, value) }

    public var isInitialized: Bool { string(Key.version) != nil }

    public var defaultAgent: String { string(Key.agent) ?? "demo" }
    public var defaultModel: String? { string(Key.model) }
    /// `kanbots.decide-after` (`10m`, `90s`): unset or unreadable waits for a human.
    public var decideAfter: TimeInterval? { string(Key.decideAfter).flatMap(DurationText.seconds) }
    public var defaultCapUSD: Double { string(Key.cap).flatMap(Double.init) ?? Self.defaultCapUSD }

    /// This clone's tag, creating and saving one on first use.
    public func cloneTag() throws -> CloneTag {
        if let text = string(Key.clone) {
            guard let tag = CloneTag(text) else {
                throw KanbotsError.invalidArgument(
                    "git config \(Key.clone) is '\(text)', not a clone tag (4 characters a-z, 2-9); unset it to get a new one")
            }
            return tag
        }
        let tag = CloneTag.random()
        try set(Key.clone, tag.value)
        return tag
    }

    /// The branch runs start from when `--base` is not given: `kanbots.base`,
    /// else the remote's default branch, else the main checkout's branch,
    /// else `main` or `master`.
    public func defaultBase() throws -> String {
        if let configured = string(Key.base) { return configured }
        let git = repository.git
        if let remoteHead = try git.symbolicTarget("refs/remotes/origin/HEAD") {
            let name = String(remoteHead.dropFirst("refs/remotes/origin/".count))
            return try git.referenceTarget("refs/heads/\(name)") != nil ? name : "origin/\(name)"
        }
        if let head = try git.symbolicTarget("HEAD"), head.hasPrefix("refs/heads/"),
           try git.referenceTarget(head) != nil {
            return String(head.dropFirst("refs/heads/".count))
        }
        for name in ["main", "master"] where try git.referenceTarget("refs/heads/\(name)") != nil { return name }
        throw KanbotsError.unknownBase("HEAD")
    }
}

extension Settings {
    /// `kanbots.max-time`: a duration, or `none` (no wall-clock cap, on purpose).
    public static let maxTimeKey = "kanbots.max-time"

    /// Every `key = value` whose key starts with `prefix` (e.g. `kanbots.agent.`).
    public func entries(prefix: String) -> [(key: String, value: String)] {
        (try? repository.git.configEntries(prefix: prefix)) ?? []
    }
}

extension Settings {
    /// `kanbots.max-time`, nil when unset; an unreadable value is an error
    /// that names the fix, since a cap silently ignored is no cap.
    public func maxTime() throws -> MaxTime? {
        guard let text = string(Self.maxTimeKey) else { return nil }
        guard let value = MaxTime(text) else {
            throw KanbotsError.invalidArgument(
                "git config \(Self.maxTimeKey) is '\(text)', not a duration; use 30m, 2h, 90s or none")
        }
        return value
    }
}
