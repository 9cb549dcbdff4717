import Foundation
import KanbotsCore
import KanbotsEnvironment
import KanbotsGit
import KanbotsStore
import KanbotsSystem

/// Lands runs one after the other into their base branch (`git kanbots
/// land`). Each run is merged in memory first, checked on that exact commit
/// when asked, and only then does the branch move: a failure or a crash
/// leaves the branch at the last run that fully landed.
public struct Lander {
    let repository: KanbotsRepository

    public init(_ repository: KanbotsRepository) { self.repository = repository }

    public struct Landed: Sendable {
        public var run: RunID
        public var card: Int
        public var merge: MergeRules.Merge
        public var checks: ChecksResult?
        /// The other attempts of its card, recorded superseded.
        public var superseded: [RunID] = []
        /// Those of them that were still running, and were stopped.
        public var stopped: [RunID] = []
    }

    public struct Stopped: Sendable {
        public var run: RunID
        public var reason: String
        public var checks: ChecksResult?
        public var log: String?
    }

    public struct Outcome: Sendable {
        public var landed: [Landed]
        public var stopped: Stopped?
    }

    /// Only one `land` (or `promote --merge`) at a time per repository: the
    /// second gets a clear error at once instead of racing for the branch.
    public static func withLandingLock<T>(_ repository: KanbotsRepository, _ body: () throws -> T) throws -> T {
        guard let result = try ifLandingLockFree(repository, body) else {
            throw KanbotsError.invalidArgument(
                "another `git kanbots land` (or `promote --merge`) is landing runs in this repository; "
                    + "wait for it to finish, then run `git kanbots land --plan` again")
        }
        return result
    }

    /// `body` under the landing lock, or nil at once when another holds it
    /// (the merge queue then simply tries again on its next pass).
    public static func ifLandingLockFree<T>(_ repository: KanbotsRepository, _ body: () throws -> T) throws -> T? {
        let lock = try FileLock(path: repository.stateDirectory + "/land.lock")
        guard lock.tryLock() else { return nil }
        defer { lock.unlock() }
        return try body()
    }

    /// Lands the plan's steps in order; with `check`, runs the repository's
    /// checks on each intermediate result and stops at the first failure.
    public func land(_ steps: [LandingPlan.Step], check: Bool, progress: (String) -> Void = { _ in }) throws -> Outcome {
        let rules = MergeRules(repository)
        let checkCommands = RunChecks(repository: repository)
        let timeout = try Settings(repository).checkTimeout(default: ProjectCommandRunner.defaultTimeout)
        if check, try steps.allSatisfy({ try checkCommands.commands(for: $0.view.record).isEmpty }) {
            throw KanbotsError.invalidArgument(
                "--check needs check commands: `git config --add \(Settings.ChecksKey.check) \"swift test\"` "
                    + "(or a card's `--check`)")
        }
        let targets = try steps.map { try rules.target(for: $0.view.record, into: nil) }
        for target in Set(targets).sorted() { try rules.checkTarget(target) }
        var landed: [Landed] = []
        for (step, target) in zip(steps, targets) {
            let record = step.view.record
            guard let tip = ObjectID(hex: step.readiness.tip) else { continue }
            // The branch tip must still be what was reviewed.
            guard try repository.git.referenceTarget("refs/heads/" + record.branch) == tip else {
                return Outcome(landed: landed, stopped: Stopped(
                    run: record.id, reason: "its branch moved since it was reviewed; `git kanbots review \(record.id)` again"))
            }
            let title = try? CardStore(repository).card(record.card).title
            let merge: MergeRules.Merge
            do {
                merge = try rules.prepare(record, tip: tip, into: target, cardTitle: title)
            } catch let error as KanbotsError {
                return Outcome(landed: landed, stopped: Stopped(run: record.id, reason: error.description))
            }
            var checks: ChecksResult?
            if check {
                progress("checking run \(record.id) on \(merge.commit.short) …")
                let result = try runChecks(try checkCommands.commands(for: record), on: merge.commit, of: record,
                                           timeout: timeout)
                checks = result.checks
                guard result.checks.outcome == .passed else {
                    // Durable, so review, the inbox and the next queue pass see it
                    // (and do not run the same failing merge again).
                    try RunStore(repository).update(record.id) { current in
                        current.recordMergeChecksFailure(tip: tip.hex, baseTip: merge.before.hex,
                                                         command: result.checks.failedCommand)
                        return true
                    }
                    let what = result.checks.outcome == .timedOut ? "timed out" : "failed"
                    return Outcome(landed: landed, stopped: Stopped(
                        run: record.id,
                        reason: "the checks \(what) on the result of landing it (\(result.checks.failedCommand ?? "")); "
                            + "\(target) stays at \(merge.before.short)",
                        checks: result.checks, log: result.log))
                }
            }
            let settled = try rules.publish(merge, run: record)
            let superseded = settled.superseded
            landed.append(Landed(run: record.id, card: record.card, merge: merge, checks: checks, superseded: superseded,
                                 stopped: settled.stopped))
            progress("landed run \(record.id) (card #\(record.card)) into \(target): \(merge.how), now at \(merge.commit.short)")
            if !superseded.isEmpty {
                progress("  superseded the other attempts of card #\(record.card): "
                         + superseded.map(\.description).joined(separator: ", ") + " (kept; `git kanbots gc` frees their worktrees)"
                    + (settled.stopped.isEmpty ? "" : "; stopped the running ones first: "
                        + settled.stopped.map(\.description).joined(separator: ", ")))
            }
        }
        return Outcome(landed: landed, stopped: nil)
    }

    /// Where the output of a run's last checks on a merged result is kept
    /// (until its next ones): the merge queue's fix run reads its end.
    public static func checksLog(of run: RunID, in repository: KanbotsRepository) -> String {
        repository.stateDirectory + "/land/check-\(run).log"
    }

    /// Runs a run's checks (the repository's, then its card's) in a temporary
    /// detached worktree of `commit`, removed afterwards, with the
    /// environment a run gets (included files, setup, ports, services:
    /// docs/environment.md); a setup that fails fails the checks.
    private func runChecks(_ commands: [String], on commit: ObjectID, of record: RunRecord, timeout: TimeInterval) throws
        -> (checks: ChecksResult, log: String) {
        let run = record.id
        let folder = repository.stateDirectory + "/land/check-\(run)-\(getpid())"
        let log = Self.checksLog(of: run, in: repository)
        try? FileManager.default.removeItem(atPath: log)
        try FileManager.default.createDirectory(atPath: repository.stateDirectory + "/land", withIntermediateDirectories: true)
        try git(["worktree", "add", "--detach", "--quiet", folder, commit.hex])
        defer {
            _ = try? git(["worktree", "remove", "--force", folder])
            try? FileManager.default.removeItem(atPath: folder)
        }
        let environment: CheckEnvironment
        do {
            environment = try CheckEnvironment(
                repository: repository, record: record, worktree: folder, includingFiles: true, runningSetup: true,
                scratchDirectory: repository.stateDirectory + "/land/environment-\(run)")
        } catch let failure as CheckEnvironment.Failure {
            if let setupLog = failure.logPath { _ = rename(setupLog, log) }
            let checks = ChecksResult(outcome: failure.setup?.outcome ?? .failed, exitCode: failure.setup?.exitCode,
                                      seconds: failure.setup?.seconds ?? 0, failedCommand: failure.description,
                                      commit: commit.hex)
            return (checks, log)
        }
        defer { environment.end() }
        var runner = ProjectCommandRunner(commands: commands, timeout: timeout)
        runner.extraEnvironment = environment.variables
        return (runner.run(in: folder, logPath: log, commit: commit.hex), log)
    }

    /// `git worktree` itself, so the temporary worktree is registered exactly as git expects.
    private func git(_ arguments: [String]) throws {
        let program = ProcessLauncher.locate("git") ?? "/usr/bin/git"
        let result = try ProcessLauncher.run(program, arguments: ["-C", repository.workingDirectory] + arguments)
        guard result.succeeded else {
            throw KanbotsError.io("git \(arguments.prefix(2).joined(separator: " ")) failed: "
                                  + String(decoding: result.errorOutput, as: UTF8.self)
                                      .trimmingCharacters(in: .whitespacesAndNewlines))
        }
    }
}
