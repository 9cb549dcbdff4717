import KanbotsCore
import KanbotsStore

/// What a project says about the environment its runs need, read from
/// `kanbots.*` git config (docs/environment.md): setup commands, the
/// folders linked rather than copied, the ports each run gets, the
/// services started beside the agent, and the files whose content decides
/// whether a prepared environment is still valid.
public struct EnvironmentSettings: Sendable {
    public enum Key {
        /// Multi-valued: shell commands run in a new worktree before the agent starts.
        public static let setup = "kanbots.setup"
        public static let setupTimeout = "kanbots.setup-timeout"
        /// Multi-valued: globs whose files' content, with the setup commands,
        /// make a prepared pool entry valid (`package-lock.json`, `requirements*.txt`).
        public static let setupInputs = "kanbots.setup-inputs"
        /// Multi-valued: paths (relative to the repository root) linked into each worktree.
        public static let link = "kanbots.link"
        public static let portRange = "kanbots.port-range"
        public static let portsPerRun = "kanbots.ports-per-run"
        /// `kanbots.service.NAME.command`, `.ready`, `.ready-timeout`.
        public static let servicePrefix = "kanbots.service."
    }

    public static let defaultSetupTimeout: TimeInterval = 10 * 60
    public static let defaultPortRange = 20000...29999
    public static let defaultPortsPerRun = 10
    public static let defaultReadyTimeout: TimeInterval = 60

    /// A service started beside the agent (`kanbots.service.NAME.*`).
    public struct Service: Sendable, Equatable {
        public var name: String
        public var command: String
        /// A command that succeeds once the service is up; nil starts the agent at once.
        public var ready: String?
        public var readyTimeout: TimeInterval

        public init(name: String, command: String, ready: String? = nil,
                    readyTimeout: TimeInterval = EnvironmentSettings.defaultReadyTimeout) {
            (self.name, self.command, self.ready, self.readyTimeout) = (name, command, ready, readyTimeout)
        }
    }

    public var setupCommands: [String]
    public var setupTimeout: TimeInterval
    public var setupInputs: [String]
    public var links: [String]
    public var portRange: ClosedRange<Int>
    public var portsPerRun: Int
    public var services: [Service]

    /// Reads and validates the settings; a value that cannot be understood
    /// is a one-line error naming the key and the fix, so `dispatch`
    /// refuses before a run exists rather than a run failing later.
    public init(_ settings: Settings) throws {
        setupCommands = settings.strings(Key.setup).filter { !$0.isEmpty }
        setupTimeout = try settings.duration(Key.setupTimeout, default: Self.defaultSetupTimeout)
        setupInputs = settings.strings(Key.setupInputs).filter { !$0.isEmpty }
        links = try settings.strings(Key.link).filter { !$0.isEmpty }.map(Self.checkedRelativePath)
        portRange = try Self.portRange(settings.string(Key.portRange))
        guard let count = Int(settings.string(Key.portsPerRun) ?? String(Self.defaultPortsPerRun)),
              count >= 1, count <= portRange.count else {
            throw KanbotsError.invalidArgument(
                "git config \(Key.portsPerRun) is '\(settings.string(Key.portsPerRun) ?? "")'; "
                    + "set it to a number of ports from 1 to \(portRange.count) (the size of \(Key.portRange))")
        }
        portsPerRun = count
        services = try Self.services(settings)
    }

    /// `kanbots.port-range`, `FIRST-LAST` within 1024-65535.
    static func portRange(_ text: String?) throws -> ClosedRange<Int> {
        guard let text else { return defaultPortRange }
        let parts = text.split(separator: "-").map { Int($0.trimmingSpaces()) }
        guard parts.count == 2, let first = parts[0], let last = parts[1], first >= 1024, last <= 65535, first <= last else {
            throw KanbotsError.invalidArgument(
                "git config \(Key.portRange) is '\(text)'; set it like 20000-29999 (ports from 1024 to 65535)")
        }
        return first...last
    }

    /// A path inside the repository, as written in config: relative, no `..`.
    static func checkedRelativePath(_ path: String) throws -> String {
        let trimmed = path.hasSuffix("/") ? String(path.dropLast()) : path
        let parts = trimmed.split(separator: "/", omittingEmptySubsequences: false)
        guard !trimmed.isEmpty, !trimmed.hasPrefix("/"), !parts.contains(".."), !parts.contains("") else {
            throw KanbotsError.invalidArgument(
                "git config \(Key.link) names '\(path)', which is not a path inside the repository; "
                    + "give a path relative to its root, without '..'")
        }
        return trimmed
    }

    static func services(_ settings: Settings) throws -> [Service] {
        var byName: [String: [String: String]] = [:]
        for entry in settings.entries(prefix: Key.servicePrefix) {
            // kanbots.service.<name>.<field>: the name may itself hold dots.
            let rest = entry.key.dropFirst(Key.servicePrefix.count)
            guard let dot = rest.lastIndex(of: ".") else { continue }
            byName[String(rest[..<dot]), default: [:]][String(rest[rest.index(after: dot)...]).lowercased()] = entry.value
        }
        return try byName.keys.sorted().map { name in
            let fields = byName[name]!
            guard let command = fields["command"], !command.isEmpty else {
                throw KanbotsError.invalidArgument(
                    "service '\(name)' has no command; set `git config \(Key.servicePrefix)\(name).command CMD` "
                        + "or remove its other keys")
            }
            guard name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }) else {
                throw KanbotsError.invalidArgument(
                    "service name '\(name)' may hold letters, digits, '-' and '_' only; rename \(Key.servicePrefix)\(name).*")
            }
            let timeout = try settings.duration(Key.servicePrefix + name + ".ready-timeout", default: defaultReadyTimeout)
            let ready = fields["ready"].flatMap { $0.isEmpty ? nil : $0 }
            return Service(name: name, command: command, ready: ready, readyTimeout: timeout)
        }
    }
}
