import ArgumentParser
import Foundation
import KanbotsApp
import KanbotsCore
import KanbotsStore
import KanbotsSupervisor

struct LogCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "log",
        abstract: "Show a run's thread: what the agent said and did, and what it cost.",
        discussion: """
            Assistant text in full, tool calls one line each, results abbreviated, the cost so \
            far. Reads the live transcript while the run is on this machine, else the redacted \
            copy stored in the run's record (refs/kanbots/runs/<id>:transcript.ndjson). \
            --follow keeps printing as the agent works, until the run ends, with writes outside \
            the card's scope as they are flagged. --json prints the stream's NDJSON lines as they \
            were written. --checks prints the tail of the run's last checks output instead.
            """
    )

    @Argument(help: "The run id.") var runID: String
    @Flag(help: "Keep following the live stream until the run ends.") var follow = false
    @Flag(help: "Print the raw NDJSON events.") var json = false
    @Flag(help: "Print the tail of the run's checks output (checks.log) instead of the thread.") var checks = false
    @Option(help: "Lines of the checks output to print with --checks.") var tail = 40

    func run() throws {
        let repository = try openRepository()
        let id = try resolveRun(runID, in: repository)
        let store = RunStore(repository)
        let record = try store.record(id)
        if checks {
            try printChecks(record, store: store)
            return
        }
        var flagged = Set<String>()
        /// Out-of-scope writes flagged since the last look, one line each.
        func reportScope(_ current: RunRecord) {
            guard !json else { return }
            for path in current.scopeViolations where flagged.insert(path).inserted {
                print("⚠ out of scope: \(path)")
            }
        }
        var thread = try RunThread(record, in: repository)
        func emit(_ line: Data) {
            if json {
                print(String(decoding: line, as: UTF8.self))
                return
            }
            for text in thread.render(line) { print(text) }
        }

        let livePath = thread.livePath
        let loader = BoardLoader(repository)
        // A run in an engine's job: its checkpoints arrive through the remote.
        if follow, record.executor.isRemote, !FileManager.default.fileExists(atPath: livePath) {
            try followRemote(id, repository: repository, emit: emit)
            try printEnding(store: store, id: id)
            return
        }
        // A run just dispatched has no stream yet: wait for its agent to start.
        while follow, !FileManager.default.fileExists(atPath: livePath) {
            let current = try store.record(id)
            guard current.state.isActive, loader.liveness(of: current) != .gone else { break }
            Thread.sleep(forTimeInterval: 0.1)
        }
        guard FileManager.default.fileExists(atPath: livePath) else {
            guard let stored = try store.attachment("transcript.ndjson", of: id) else {
                // A run that ended before its agent (a failed setup) still has its reason.
                print("run \(id) has no transcript\(try store.record(id).state.isActive ? " yet" : "")")
                try printEnding(store: store, id: id)
                return
            }
            for line in stored.split(separator: 0x0A) { emit(Data(line)) }
            if follow { reportScope(try store.record(id)) }
            try printEnding(store: store, id: id)
            return
        }
        let tail = TranscriptTail(path: livePath)
        while true {
            let lines = tail.readLines()
            lines.forEach(emit)
            guard follow else { break }
            if lines.isEmpty {
                let current = try store.record(id)
                reportScope(current)
                if current.state.isFinished || loader.liveness(of: current) == .gone {
                    tail.readLines().forEach(emit)
                    break
                }
                Thread.sleep(forTimeInterval: 0.2)
            }
        }
        if let remainder = tail.takeRemainder() { emit(remainder) }
        if follow { reportScope(try store.record(id)) }
        try printEnding(store: store, id: id)
    }

    /// After the thread: the writes outside the card's scope (unless
    /// --follow printed them already) and the checks' outcome.
    private func printEnding(store: RunStore, id: RunID) throws {
        guard !json else { return }
        let record = try store.record(id)
        if !follow {
            for path in record.scopeViolations { print("⚠ out of scope: \(path)") }
        }
        if let result = record.checks { print(ChecksJSON.summary(result)) }
        // Why the agent failed: the end of its stderr, and the fix when known.
        let failure = EnvironmentText.failureBlock(record, store: store) + AgentErrorText.block(record, store: store)
        if !failure.isEmpty { print("\n" + failure.joined(separator: "\n")) }
    }

    private func printChecks(_ record: RunRecord, store: RunStore) throws {
        guard let result = record.checks, let log = try store.attachment(ChecksResult.logFile, of: record.id) else {
            print("run \(record.id) has no checks recorded; run them with `git kanbots check \(record.id)`")
            return
        }
        print(ChecksJSON.tail(of: log, lines: tail))
        print(ChecksJSON.summary(result))
    }

    /// Fetches only the run's record every second and prints what its
    /// checkpointed transcript (redacted, attached by the job before each
    /// push) gained, until the run ends or its job is gone.
    func followRemote(_ id: RunID, repository: KanbotsRepository, emit: (Data) -> Void) throws {
        let store = RunStore(repository)
        let loader = BoardLoader(repository)
        let remote = try Synchronizer(repository, remote: Settings(repository).executorRemote)
        var printed = 0
        while true {
            remote.fetchRun(id)
            let current = try store.record(id)
            if let stored = try store.attachment("transcript.ndjson", of: id) {
                let lines = stored.split(separator: 0x0A)
                lines.dropFirst(printed).forEach { emit(Data($0)) }
                printed = max(printed, lines.count)
            }
            if current.state.isFinished || loader.liveness(of: current) == .gone { return }
            Thread.sleep(forTimeInterval: 1)
        }
    }
}
