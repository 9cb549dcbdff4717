import KanbotsCore
import KanbotsEnvironment
import KanbotsStore
import KanbotsSystem

extension Supervisor {
    /// What happened to the run's environment before its agent.
    enum EnvironmentStep {
        /// The agent may start; these services run beside it, and the
        /// `running` record takes these fields.
        case proceed(RunServices?, recording: (inout RunRecord) -> Void = { _ in })
        /// The run was ended (recorded) without an agent.
        case ended
    }

    /// Puts the run's environment in place before its agent starts
    /// (docs/environment.md): the ignored files and links, the setup
    /// commands (the repository's, then the card's; a worktree that came
    /// prepared from the pool ran the repository's already, a reply reuses
    /// its worktree and runs none), then the services. The run stays
    /// `queued` meanwhile, with its supervisor's pid recorded (so `stop`
    /// reaches it) and the live status saying `setting_up`.
    func prepareEnvironment(_ record: RunRecord, worktree: String) throws -> EnvironmentStep {
        let store = RunStore(repository)
        let settings: EnvironmentSettings
        do {
            settings = try EnvironmentSettings(Settings(repository))
        } catch {
            try store.transition(id, to: .failed, reason: "\(Reason.setupFailed): \(error)")
            return .ended
        }
        let fresh = record.replyTo == nil
        let registration = repository.commonDirectory + "/worktrees/" + record.worktreeRegistration
        let prepared = fresh && PoolEnvironment.isPrepared(
            worktree: worktree, registration: registration, repository: repository, settings: settings)
        // A prepared entry ran the repository's setup; the card's is the run's own.
        let setupCommands = !fresh ? [] : prepared
            ? ((try? CardStore(repository).card(record.card))?.setup ?? [])
            : RunSetup(repository: repository).commands(for: record, settings: settings)
        let preparation = EnvironmentPreparation(repository: repository, settings: settings)
        let needsPreparation = fresh && (prepared || preparation.isNeeded(setupCommands: setupCommands))
        guard needsPreparation || !settings.services.isEmpty else { return .proceed(nil) }
        // The common case of a warm pool: nothing left to run, so nothing
        // long for `stop` to reach and no record of its own; the `running`
        // transition says where the environment came from.
        if prepared, setupCommands.isEmpty, settings.services.isEmpty {
            relocatePreparedEntry(worktree: worktree, registration: registration)
            let included = PoolEnvironment.included(registration: registration)
            return .proceed(nil) { record in
                record.included += included
                record.setupSource = WorktreePool.preparedSource
            }
        }

        try store.update(id) { $0.supervisorPID = getpid(); return true }
        let runDirectory = repository.runDirectory(id)
        var live = LiveStatus()
        live.phase = .settingUp
        try? LiveStatusFile.write(live, runDirectory: runDirectory)
        defer {
            live.phase = nil
            try? LiveStatusFile.write(live, runDirectory: runDirectory)
        }
        let environment = ProjectCommandRunner.environment()
            .merging(RunVariables(record: record, worktree: worktree).marked(for: id)) { _, run in run }

        if needsPreparation {
            relocatePreparedEntry(worktree: worktree, registration: registration)
            // A pool entry prepared under other settings or files: what it
            // brought from the main checkout is brought again, current.
            if !prepared { PoolEnvironment.discardPreparation(worktree: worktree, registration: registration) }
            let outcome = preparation.prepare(
                worktree: worktree, includingFiles: !prepared, setupCommands: setupCommands,
                environment: environment, logDirectory: runDirectory, shouldStop: { Supervisor.stopRequested })
            switch outcome {
            case .ready(let included, let setup, let log):
                defer { log.map { _ = unlink($0) } }
                try store.update(id, diskFiles: log.map { [RunRecord.setupLogFile: $0] } ?? [:]) { record in
                    record.included += prepared ? PoolEnvironment.included(registration: registration)
                        : included.map(\.recordText)
                    if prepared { record.setupSource = WorktreePool.preparedSource }
                    if let setup { record.setup = setup }
                    return true
                }
            case .failed(let reason, let setup, let log):
                defer { log.map { _ = unlink($0) } }
                try end(.failed, reason: reason, log: log) { if let setup { $0.setup = setup } }
                return .ended
            case .stopped(let log):
                defer { log.map { _ = unlink($0) } }
                try end(.cancelled, reason: Reason.stoppedByUser, log: log)
                return .ended
            }
        }

        guard !settings.services.isEmpty else { return .proceed(nil) }
        let services = RunServices(settings.services, worktree: worktree, environment: environment,
                                   runDirectory: runDirectory)
        do throws(RunServices.StartFailure) {
            try services.start(shouldStop: { Supervisor.stopRequested })
        } catch {
            let logs = services.stopAll()
            defer { logs.values.forEach { unlink($0) } }
            switch error {
            case .notReady(let name):
                try end(.failed, reason: Reason.serviceNotReady(name), files: logs)
            case .stopped:
                try end(.cancelled, reason: Reason.stoppedByUser, files: logs)
            }
            return .ended
        }
        return .proceed(services)
    }

    /// Records an ending before the agent started, freeing the run's ports.
    private func end(_ state: RunState, reason: String, log: String? = nil, files: [String: String] = [:],
                     _ more: (inout RunRecord) -> Void = { _ in }) throws {
        var attached = files
        if let log { attached[RunRecord.setupLogFile] = log }
        let record = try RunStore(repository).transition(id, to: state, reason: reason, diskFiles: attached, more)
        RunPorts.release(record, repository: repository)
        if state == .failed { Notifier(repository).send(.failed, run: id, card: record.card, text: "run \(id) failed: \(reason)") }
    }

    /// A pool entry was prepared at another path: rewrite the absolute
    /// paths its setup left in files (virtualenv scripts, editable installs)
    /// to the worktree's. The entry's registration carries the list.
    func relocatePreparedEntry(worktree: String, registration: String) {
        guard let relocation = WorktreePool.Relocation.read(registration: registration) else { return }
        _ = try? PathRelocation.relocate(relocation.files, from: relocation.preparedAt, to: worktree)
    }

    /// Services that ended while the agent works are recorded on the run
    /// (`Service-Exited`); the agent carries on without them.
    func noteExitedServices() {
        guard let exited = services?.takeExited(), !exited.isEmpty else { return }
        _ = try? RunStore(repository).update(id) { record in
            for (name, status) in exited { record.addExitedService(name, status: status) }
            return true
        }
    }

    /// Ends the run's services (after its checks): the ones this supervisor
    /// started, and any a dead supervisor before it left (an adopted run).
    /// Returns their logs as attachments.
    func stopServices() -> [String: String] {
        noteExitedServices()
        let logs = services?.stopAll() ?? [:]
        ProcessProbe.endGroups(markedWith: "\(RunVariables.environmentMarker)=\(id)")
        return logs
    }
}
