import KanbotsCore
import KanbotsEnvironment
import KanbotsGit
import KanbotsStore

/// QA mode (`autopilot qa`): run the checks on the base, file a card and
/// dispatch a fix run for each failing check, run the check again on each
/// fix's branch, try again from the last fix (up to the round limit) while
/// it still fails, and stop when all are green or the budget is spent.
extension Orchestrator {
    func qaStep(session: AutopilotSession, tally: SessionTally, slots: Int, now: Date) throws -> Bool {
        guard var qa = session.qa else { return false }
        guard let failing = qa.failingOnBase else {
            qa.failingOnBase = try checkBase(qa)
            let failed = qa.failingOnBase!
            try store.update(id, event: failed.isEmpty ? "checks green on \(qa.base)" :
                "checks failing on \(qa.base): " + failed.map { "`\(qa.checks[$0])`" }.joined(separator: ", ")) {
                $0.qa?.failingOnBase = failed
                return true
            }
            return true
        }
        // Verify every fix run that has finished and was not checked yet.
        for run in tally.runs where run.record.state.isFinished && !qa.verifiedRuns.contains(run.record.id.description) {
            guard let index = run.record.extraValue(QAState.runField).flatMap({ Int($0) }) else { continue }
            let changed = run.record.state == .completed && (run.observation.ahead ?? 0) > 0
            let green = changed ? runCheck(qa.checks[index], in: repository.absolutePath(run.record.worktree),
                                           label: "run-\(run.record.id)-check-\(index)", timeout: qa.checkTimeout) : false
            let verdict = !changed ? "fix run \(run.record.id) left no change for `\(qa.checks[index])`"
                : green ? "check `\(qa.checks[index])` green on run \(run.record.id)"
                : "check `\(qa.checks[index])` still fails on run \(run.record.id)"
            try store.update(id, event: verdict) { current in
                current.qa?.verifiedRuns.append(run.record.id.description)
                if green, current.qa?.green.contains(index) == false { current.qa?.green.append(index) }
                return true
            }
            return true
        }
        let open = failing.filter { !qa.green.contains($0) }
        if open.isEmpty {
            try finish(reason: StopReason.allGreen, event: "stopped: all_green", spent: tally.spentUSD)
            return false
        }
        // One fix at a time per check: the next starts from the last fix's branch.
        let fixes = Dictionary(grouping: tally.runs, by: { $0.record.extraValue(QAState.runField).flatMap { Int($0) } ?? -1 })
        let waiting = open.filter { index in
            let runs = fixes[index] ?? []
            return runs.allSatisfy { $0.record.state.isFinished } && runs.count < qa.maxRounds
        }
        if waiting.isEmpty, tally.active.isEmpty {
            try finish(reason: StopReason.checksStillFailing, event: "stopped: checks_still_failing "
                + open.map { "`\(qa.checks[$0])`" }.joined(separator: ", "), spent: tally.spentUSD)
            return false
        }
        writeStatus(slots: slots, tally: tally, holding: nil)
        guard let index = waiting.first, tally.occupyingSlots < slots else { return true }
        if let reason = try hold(tally: tally, now: now) {
            writeStatus(slots: slots, tally: tally, holding: reason)
            return true
        }
        let card = try qa.cards[index] ?? fileCard(for: index, qa: qa)
        let previous = (fixes[index] ?? []).last { $0.record.state == .completed && ($0.observation.ahead ?? 0) > 0 }
        var item = WorkItem(card: card, persona: Prompt.defaultPersona, base: previous?.record.branch ?? qa.base, reviewOf: nil)
        item.fields = [QAState.runField: String(index)]
        try dispatch(item, session: session, tally: tally)
        return true
    }

    /// Runs every check in a throwaway worktree of the base; returns the failing ones.
    func checkBase(_ qa: QAState) throws -> [Int] {
        guard let commit = try repository.git.resolveCommit(qa.base) else { throw KanbotsError.unknownBase(qa.base) }
        let name = "qa-\(id)"
        let branch = "kanbots/qa-\(id)"
        let folder = KanbotsRepository.worktreesFolder + "/" + name
        let worktrees = Worktrees(repository)
        try? worktrees.remove(name: name, branch: branch, folder: folder)
        try worktrees.create(name: name, branch: branch, folder: folder, base: commit)
        defer { try? worktrees.remove(name: name, branch: branch, folder: folder) }
        return qa.checks.indices.filter { !runCheck(qa.checks[$0], in: repository.absolutePath(folder), label: "base-check-\($0)",
                                                   timeout: qa.checkTimeout) }
    }

    /// Runs one check in `folder` (ProjectCommandRunner: own process group, ended
    /// on the timeout or a stop request); its output goes to the session folder.
    func runCheck(_ command: String, in folder: String, label: String, timeout: TimeInterval) -> Bool {
        var runner = ProjectCommandRunner(commands: [command], timeout: timeout)
        runner.shouldStop = { self.stopRequested }
        let result = runner.run(in: folder, logPath: store.directory(id) + "/\(label).log")
        if result.outcome == .timedOut {
            log("check `\(command)` " + (stopRequested ? "stopped: the session was asked to stop" : "timed out after \(Int(timeout)) s"))
        }
        return result.outcome == .passed
    }

    /// Files the card a fix run works on: the check, and how it failed.
    func fileCard(for index: Int, qa: QAState) throws -> Int {
        let command = qa.checks[index]
        let output = (try? String(contentsOfFile: store.directory(id) + "/base-check-\(index).log", encoding: .utf8)) ?? ""
        let tail = output.split(separator: "\n", omittingEmptySubsequences: false).suffix(60).joined(separator: "\n")
        let body = """
            The check `\(command)` fails on \(qa.base). Make it pass without weakening or skipping the check.

            The last lines of its output:

            ```
            \(tail)
            ```
            """
        let card = try CardStore(repository).create(title: "Fix failing check: \(command)", body: body, lane: .backlog)
        try store.update(id, event: "filed card #\(card.number) for `\(command)`") {
            $0.qa?.cards[index] = card.number
            return true
        }
        return card.number
    }
}
