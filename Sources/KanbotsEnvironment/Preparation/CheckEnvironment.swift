import KanbotsCore
import KanbotsStore

/// The environment checks need when they run outside a live run: in
/// `land --check`'s temporary worktree of a merge, or in a run's worktree
/// that `gc` removed and `check` restored. The same steps a run takes
/// before its agent: included files and links, the setup, then a block of
/// ports and the services, all held by this process until `end()`.
public final class CheckEnvironment {
    let services: RunServices?
    let portsLock: FileLock?
    let ports: (RunPorts, PortBlock)?
    let lockPath: String
    /// The variables the checks see (`KANBOTS_PORT`, `PORT`, …).
    public let variables: [String: String]

    /// Why the environment could not be made: one line, for the checks' outcome.
    public struct Failure: ExplainedError {
        public let description: String
        /// The setup's outcome and its log, when the setup is what failed.
        public let setup: ChecksResult?
        public let logPath: String?
    }

    /// - Parameters:
    ///   - record: the run whose checks these are (its card's setup, its id for the variables).
    ///   - includingFiles: false for a run's own worktree, which has them.
    ///   - runningSetup: false for a run's own worktree that kept its environment.
    ///   - scratchDirectory: where the lock and the setup's log go.
    public init(repository: KanbotsRepository, record: RunRecord, worktree: String, includingFiles: Bool,
                runningSetup: Bool, scratchDirectory: String, shouldStop: @escaping () -> Bool = { false }) throws {
        let settings = try EnvironmentSettings(Settings(repository))
        let cardSetup = (try? CardStore(repository).card(record.card))?.setup ?? []
        let setupCommands = runningSetup ? settings.setupCommands + cardSetup : []
        try FileManager.default.createDirectory(atPath: scratchDirectory, withIntermediateDirectories: true)
        lockPath = scratchDirectory + "/environment-\(getpid()).lock"
        var record = record
        if !settings.services.isEmpty {
            // The run's own block went back when it ended: these checks hold one of their own.
            let lock = try FileLock(path: lockPath)
            lock.lock()
            let runPorts = RunPorts(repository: repository, settings: settings)
            let block = try runPorts.allocate(pendingLock: lockPath)
            record.ports = block.description
            (portsLock, ports) = (lock, (runPorts, block))
        } else {
            (portsLock, ports) = (nil, nil)
        }
        let environment = ProjectCommandRunner.environment()
            .merging(RunVariables(record: record, worktree: worktree).marked(for: record.id)) { _, run in run }
        variables = RunVariables(record: record, worktree: worktree).values
        let preparation = EnvironmentPreparation(repository: repository, settings: settings)
        if includingFiles || !setupCommands.isEmpty {
            let outcome = preparation.prepare(worktree: worktree, includingFiles: includingFiles, setupCommands: setupCommands,
                                              environment: environment, logDirectory: scratchDirectory, shouldStop: shouldStop)
            switch outcome {
            case .ready: break
            case .failed(let reason, let setup, let log):
                Self.release(ports, lockPath: lockPath)
                throw Failure(description: reason, setup: setup, logPath: log)
            case .stopped(let log):
                Self.release(ports, lockPath: lockPath)
                throw Failure(description: "stopped during the setup", setup: nil, logPath: log)
            }
        }
        guard !settings.services.isEmpty else {
            services = nil
            return
        }
        let services = RunServices(settings.services, worktree: worktree, environment: environment,
                                   runDirectory: scratchDirectory)
        do throws(RunServices.StartFailure) {
            try services.start(shouldStop: shouldStop)
        } catch {
            services.stopAll().values.forEach { unlink($0) }
            Self.release(ports, lockPath: lockPath)
            switch error {
            case .notReady(let name): throw Failure(description: Reason.serviceNotReady(name), setup: nil, logPath: nil)
            case .stopped: throw Failure(description: "stopped while its services started", setup: nil, logPath: nil)
            }
        }
        self.services = services
    }

    /// Ends the services and gives the ports back.
    public func end() {
        services?.stopAll().values.forEach { unlink($0) }
        Self.release(ports, lockPath: lockPath)
        portsLock?.unlock()
        unlink(lockPath)
    }

    private static func release(_ ports: (RunPorts, PortBlock)?, lockPath: String) {
        guard let (runPorts, block) = ports else { return }
        runPorts.release(block, pendingLock: lockPath)
    }
}
