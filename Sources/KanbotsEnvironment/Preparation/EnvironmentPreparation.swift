import KanbotsCore
import KanbotsStore

/// Puts an environment in place in a worktree: first the ignored files
/// `.worktreeinclude` names and the folders `kanbots.link` names, then the
/// setup commands, in order, each with `/bin/sh -c` in its own process
/// group, under one timeout. The supervisor does it for a run before its
/// agent starts; the pool does it for an entry before any dispatch.
public struct EnvironmentPreparation {
    let repository: KanbotsRepository
    let settings: EnvironmentSettings

    public init(repository: KanbotsRepository, settings: EnvironmentSettings) {
        self.repository = repository
        self.settings = settings
    }

    public enum Outcome {
        /// In place. `setup` is nil when there were no commands; its log is
        /// the redacted `setup.log`, for the caller to attach and remove.
        case ready(included: [IncludedPath], setup: ChecksResult?, logPath: String?)
        /// The run cannot start: `reason` is the record's (`setup_failed: …`,
        /// `include_failed: …`); a failed setup comes with its outcome and log.
        case failed(reason: String, setup: ChecksResult?, logPath: String?)
        /// A stop request ended it.
        case stopped(logPath: String?)
    }

    /// Whether a worktree needs anything at all (so a project without
    /// environment settings pays one `stat`, not a record write).
    public func isNeeded(setupCommands: [String]) -> Bool {
        !setupCommands.isEmpty || !settings.links.isEmpty
            || FileManager.default.fileExists(atPath: repository.workingDirectory + "/" + WorktreeIncludes.fileName)
    }

    /// - Parameters:
    ///   - includingFiles: false when the files are already there (a pool
    ///     entry's, or a reply's worktree).
    ///   - environment: the variables the commands see, over the caller's own.
    ///   - logDirectory: where `setup.log` is written.
    public func prepare(worktree: String, includingFiles: Bool, setupCommands: [String],
                        environment: [String: String], logDirectory: String,
                        shouldStop: @escaping () -> Bool = { false },
                        onStart: @escaping (Int, String) -> Void = { _, _ in }) -> Outcome {
        var included: [IncludedPath] = []
        if includingFiles {
            do {
                included = try WorktreeIncludes(mainCheckout: repository.workingDirectory, links: settings.links)
                    .apply(to: worktree)
            } catch {
                let detail = DiskSpace.isOutOfSpace(error)
                    ? "no space left on device; free space, then dispatch again" : "\(error)"
                return .failed(reason: "\(Reason.includeFailed): \(detail)", setup: nil, logPath: nil)
            }
        }
        guard !setupCommands.isEmpty else { return .ready(included: included, setup: nil, logPath: nil) }
        var runner = ProjectCommandRunner(commands: setupCommands, timeout: settings.setupTimeout)
        runner.extraEnvironment = environment
        runner.shouldStop = shouldStop
        runner.onStart = onStart
        let (result, log) = RecordedCommands(runner).run(
            in: worktree, runDirectory: logDirectory, logName: RunRecord.setupLogFile)
        if result.outcome == .passed { return .ready(included: included, setup: result, logPath: log) }
        if shouldStop() { return .stopped(logPath: log) }
        return .failed(reason: Self.failureReason(result, timeout: settings.setupTimeout), setup: result, logPath: log)
    }

    /// `setup_failed: `npm ci` exited 1`, or `… timed out after 600 s`.
    static func failureReason(_ result: ChecksResult, timeout: TimeInterval) -> String {
        let command = result.failedCommand.map { "`\($0.count > 120 ? $0.prefix(119) + "…" : $0)`" } ?? "the setup"
        let how = result.outcome == .timedOut
            ? "timed out after \(Int(timeout.rounded())) s (kanbots.setup-timeout)"
            : "exited \(result.exitCode.map(String.init) ?? "?")"
        return "\(Reason.setupFailed): \(command) \(how)"
    }
}
