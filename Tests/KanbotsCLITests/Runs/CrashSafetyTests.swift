import Foundation
import Testing

extension HeavySuites {
    /// A `dispatch` killed at any instant leaves state the next command reads
    /// correctly, and nothing orphaned once reconciled and collected.
    @Suite("crash safety") struct CrashSafetyTests {
        static let iterations = 20

        @Test func dispatchesKilledAtRandomPointsLeaveAConsistentState() throws {
            try Sandbox.with(cards: ["Add CSV export"]) { sandbox in
                // How long one dispatch takes here, so the kills land inside it.
                let probe = try sandbox.kanbots("dispatch", "1")
                expectSuccess(probe)
                let span = min(0.3, max(0.05, probe.duration * 1.3))
                var delays: [Double] = []
                for _ in 0..<Self.iterations {
                    let delay = Double.random(in: 0...span)
                    delays.append(delay)
                    let dispatch = try sandbox.startKanbots(["dispatch", "1"])
                    Thread.sleep(forTimeInterval: delay)
                    dispatch.signal(SIGKILL)
                    try dispatch.wait(timeout: 30)
                }
                // Every finding is collected and reported with the delays, to reproduce it.
                var problems: [String] = []
                func check(_ condition: Bool, _ problem: @autoclosure () -> String) {
                    if !condition { problems.append(problem()) }
                }
                defer {
                    let kills = delays.map { String(format: "%.3f", $0) }.joined(separator: " ")
                    #expect(problems.isEmpty, "\(problems.joined(separator: "\n"))\nkill delays (s): \(kills)")
                }

                // The next commands read it all without error.
                let board = try JSON.decode(BoardInfo.self, from: try sandbox.kanbots("board", "--json"))
                check(board.unreadable.isEmpty, "\(board.unreadable)")
                _ = try JSON.decode([RunInfo].self, from: try sandbox.kanbots("status", "--json", "--all"))
                for id in try sandbox.runRefs() {
                    let record = try sandbox.record(id)
                    check(record["Run"] == id, "record of \(id): \(record.fields)")
                    let show = try sandbox.kanbots("show", id, "--json")
                    check(show.succeeded, "show \(id) failed: \(show)")
                }

                // reconcile leaves every run finished or watched by a live supervisor.
                expectSuccess(try sandbox.kanbots("reconcile"))
                for run in try sandbox.runs() where run.isRecordedActive {
                    check(run.supervisor == "alive" && sandbox.hasSupervisorProcess(run.id),
                          "run \(run.id) is \(run.recordedState ?? "none") (supervisor \(run.supervisor)) but no supervisor process runs")
                }
                let runs = try sandbox.waitUntilIdle(timeout: 90)
                for run in runs {
                    check(RunInfo.terminalStates.contains(run.recordedState ?? "none"), "run \(run.id): \(run.recordedState ?? "none")")
                    check(run.column != "in_progress", "run \(run.id) in progress")
                    // A half-made dispatch is cleaned up: no branch, no folder.
                    if run.reason == "dispatch_interrupted" {
                        check(!run.branchExists, "interrupted run \(run.id) left its branch \(run.branch)")
                        check(!sandbox.exists(run.worktree), "interrupted run \(run.id) left \(run.worktree)")
                    }
                }

                // gc leaves no folder without a record, no registration without
                // a folder; no run branch exists without its record.
                expectSuccess(try sandbox.kanbots("gc"))
                let records = try Set(sandbox.runRefs())
                let byWorktree = Dictionary(uniqueKeysWithValues: try records.map { ($0, try sandbox.record($0)) })
                let owned = Set(byWorktree.values.compactMap { $0["Worktree"] })
                for folder in sandbox.listing(sandbox.path(".kanbots/worktrees")) where !folder.contains("/") {
                    check(owned.contains(".kanbots/worktrees/" + folder), "folder \(folder) has no run record")
                }
                for worktree in try sandbox.worktrees() {
                    check(FileManager.default.fileExists(atPath: worktree.path), "stale registration \(worktree.path)")
                }
                let branches = Set(byWorktree.values.compactMap { $0["Branch"] })
                let runBranches = try sandbox.gitOK("for-each-ref", "--format=%(refname:lstrip=2)", "refs/heads/kanbots/")
                    .split(separator: "\n").map(String.init)
                for branch in runBranches {
                    check(branches.contains(branch), "branch \(branch) has no run record")
                }
                // Run ids stay unique and every claimed id kept its record.
                check(records.count == Set(runs.map(\.id)).count, "status lists \(runs.count) runs, refs \(records.count)")
                let text = try sandbox.kanbots("board")
                check(text.succeeded && text.stderr.isEmpty, "board: \(text)")
            }
        }

        /// The state a dispatch leaves when killed right after claiming its
        /// id: a `queued` record, no lock file, no branch, no worktree, no
        /// process. Nobody is working on it, so it must not show in progress.
        @Test func aQueuedRecordWhoseDispatchDiedIsNotShownInProgress() throws {
            try Sandbox.with(cards: ["Add CSV export"]) { sandbox in
                let model = try sandbox.dispatch(1)
                try sandbox.waitUntilIdle()
                let id = try sandbox.nextRunID()
                let now = ISO8601DateFormatter().string(from: Date())
                var lines = ["run \(id): queued", ""]
                for (key, value) in try sandbox.record(model.id).fields.sorted(by: { $0.key < $1.key }) {
                    switch key {
                    case "Started", "Ended", "Supervisor-PID", "Agent-PID", "Session", "Turns": continue
                    case "Run": lines.append("Run: \(id)")
                    case "State": lines.append("State: queued")
                    case "Branch": lines.append("Branch: kanbots/issue-1-\(id)")
                    case "Worktree": lines.append("Worktree: .kanbots/worktrees/issue-1-\(id)")
                    case "Created", "Updated": lines.append("\(key): \(now)")
                    case "Cost-USD": lines.append("Cost-USD: 0.000000")
                    default: lines.append("\(key): \(value)")
                    }
                }
                try sandbox.write(sandbox.root + "/message", lines.joined(separator: "\n") + "\n")
                let tree = try sandbox.gitOK("hash-object", "-t", "tree", "-w", "/dev/null")
                let commit = try sandbox.gitOK("commit-tree", tree, "-F", sandbox.root + "/message")
                try sandbox.gitOK("update-ref", "refs/kanbots/runs/\(id)", commit, "")
                #expect(try sandbox.record(id)["State"] == "queued")

                let view = try sandbox.board().run(id)
                #expect(view.column != "in_progress", "a run nobody works on is shown in progress: \(view.state), supervisor \(view.supervisor)")
                expectSuccess(try sandbox.kanbots("reconcile"))
                let record = try sandbox.record(id)
                #expect(record["State"] == "failed" && record["Reason"] == "dispatch_interrupted", "\(record.fields)")
            }
        }
    }
}
