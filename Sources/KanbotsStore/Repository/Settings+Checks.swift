import KanbotsCore

/// Settings for checks and scope (docs/review.md).
extension Settings {
    public enum ChecksKey {
        /// Multi-valued: `git config --add kanbots.check "swift test"`.
        public static let check = "kanbots.check"
        public static let checkTimeout = "kanbots.check-timeout"
        /// Multi-valued: what counts as "the agent ran the tests".
        public static let testCommands = "kanbots.review.test-commands"
        public static let scopePolicy = "kanbots.scope-policy"
    }

    /// What happens when an agent writes outside its card's scope.
    public enum ScopePolicy: String, Sendable {
        /// Flag it in the record and carry on.
        case warn
        /// Flag it and end the run (`scope_violation PATH`).
        case stop
    }

    /// Every value of a multi-valued key, in the order git reads them
    /// (system, global, then this repository's config).
    public func strings(_ key: String) -> [String] {
        let section = key.split(separator: ".").dropLast().joined(separator: ".") + "."
        let entries = (try? repository.git.configEntries(prefix: section)) ?? []
        return entries.filter { $0.key.lowercased() == key.lowercased() }.map(\.value)
    }

    /// The repository's checks, run in order before a card's own.
    public var checkCommands: [String] { strings(ChecksKey.check).filter { !$0.isEmpty } }

    /// `kanbots.check-timeout` (`90s`, `10m`, `2h`), default 30 minutes.
    public func checkTimeout(default fallback: TimeInterval) throws -> TimeInterval {
        try duration(ChecksKey.checkTimeout, default: fallback)
    }

    /// A positive duration setting (`90s`, `10m`, `2h`), `fallback` when unset.
    public func duration(_ key: String, default fallback: TimeInterval) throws -> TimeInterval {
        guard let text = string(key) else { return fallback }
        guard let seconds = DurationText.seconds(text), seconds > 0 else {
            throw KanbotsError.invalidArgument("git config \(key) is '\(text)', not a duration; set it like 90s, 10m or 2h")
        }
        return seconds
    }

    /// `kanbots.review.test-commands` when set, else nil (the built-in list).
    public var testCommands: [String]? {
        let configured = strings(ChecksKey.testCommands).filter { !$0.isEmpty }
        return configured.isEmpty ? nil : configured
    }

    /// `kanbots.scope-policy`, default `warn`.
    public func scopePolicy() throws -> ScopePolicy {
        guard let text = string(ChecksKey.scopePolicy) else { return .warn }
        guard let policy = ScopePolicy(rawValue: text.lowercased()) else {
            throw KanbotsError.invalidArgument(
                "git config \(ChecksKey.scopePolicy) is '\(text)'; set it to warn or stop")
        }
        return policy
    }

    /// Throws the one-line error for a check or scope setting the supervisor
    /// could not read, so `dispatch` refuses before a run starts rather than
    /// the supervisor guessing later.
    public func validateChecksAndScope() throws {
        _ = try scopePolicy()
        _ = try checkTimeout(default: 0)
    }
}
