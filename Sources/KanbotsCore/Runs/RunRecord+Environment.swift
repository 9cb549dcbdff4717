/// How a run's environment was made, as recorded on the run
/// (docs/environment.md):
///
///     Ports: 20010-20019
///     Included: copied .env
///     Included: linked data/cache
///     Setup: passed
///     Setup-Source: pool
///     Setup-Seconds: 9.8
///     Service-Exited: web exited 1
///
/// `Setup-Exit` and `Setup-Failed` follow `Checks-*`: a setup is a sequence
/// of project commands like the checks, so it has the same outcome shape.
/// The output is the record's attachment `setup.log`, each service's
/// `service-NAME.log`.
extension RunRecord {
    enum EnvironmentKey {
        static let ports = "Ports"
        static let included = "Included"
        static let setup = "Setup"
        static let setupExit = "Setup-Exit"
        static let setupSeconds = "Setup-Seconds"
        static let setupFailed = "Setup-Failed"
        static let setupSource = "Setup-Source"
        static let serviceExited = "Service-Exited"
    }

    /// The attachment holding the setup's redacted output (its last 1 MB).
    public static let setupLogFile = "setup.log"

    /// The attachment holding one service's redacted output.
    public static func serviceLogFile(_ name: String) -> String { "service-\(name).log" }

    /// The run's block of ports, as `FIRST-LAST`; nil for runs made before
    /// ports existed, or when none could be had.
    public var ports: String? {
        get { extraValue(EnvironmentKey.ports) }
        set { setExtra(EnvironmentKey.ports, newValue) }
    }

    /// What came into the worktree from the main checkout: `copied PATH`
    /// (an ignored file, by `.worktreeinclude`) or `linked PATH` (`kanbots.link`).
    public var included: [String] {
        get { extra.filter { $0.key == EnvironmentKey.included }.map(\.value) }
        set {
            extra.removeAll { $0.key == EnvironmentKey.included }
            extra += newValue.map { Field(key: EnvironmentKey.included, value: $0) }
        }
    }

    /// How the setup commands ended; nil when the run had none.
    public var setup: ChecksResult? {
        get {
            guard let outcome = extraValue(EnvironmentKey.setup).flatMap(ChecksOutcome.init(rawValue:)) else { return nil }
            return ChecksResult(
                outcome: outcome, exitCode: extraValue(EnvironmentKey.setupExit).flatMap { Int32($0) },
                seconds: extraValue(EnvironmentKey.setupSeconds).flatMap(Double.init) ?? 0,
                failedCommand: extraValue(EnvironmentKey.setupFailed))
        }
        set {
            setExtra(EnvironmentKey.setup, newValue?.outcome.rawValue)
            setExtra(EnvironmentKey.setupExit, newValue?.exitCode.map { String($0) })
            setExtra(EnvironmentKey.setupSeconds, newValue.map { String(printf: "%.1f", $0.seconds) })
            setExtra(EnvironmentKey.setupFailed, newValue?.failedCommand)
        }
    }

    /// Where the setup ran: `pool` when the worktree came prepared from the
    /// pool (setup ran before the dispatch), nil when it ran for this run.
    public var setupSource: String? {
        get { extraValue(EnvironmentKey.setupSource) }
        set { setExtra(EnvironmentKey.setupSource, newValue) }
    }

    /// Services that ended while the run went on: `NAME exited STATUS`.
    public var exitedServices: [String] { extra.filter { $0.key == EnvironmentKey.serviceExited }.map(\.value) }

    public mutating func addExitedService(_ name: String, status: String) {
        extra.append(Field(key: EnvironmentKey.serviceExited, value: "\(name) \(status)"))
    }
}

extension Reason {
    /// The setup (`kanbots.setup`, a card's `--setup`) failed, timed out or
    /// could not start: `setup_failed: COMMAND exited 1`.
    public static let setupFailed = "setup_failed"
    /// Bringing `.worktreeinclude`'s files or `kanbots.link`'s folders into
    /// the worktree failed (a full disk, say).
    public static let includeFailed = "include_failed"
    /// A service's `.ready` command did not succeed within its timeout.
    public static func serviceNotReady(_ name: String) -> String { "service_not_ready \(name)" }
}
