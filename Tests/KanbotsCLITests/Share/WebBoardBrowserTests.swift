import Foundation
import Testing

/// The web board in a real browser: headless Chromium driven by Selenium
/// (scripts/install-browser-test.sh installs both; scripts/test.sh passes
/// KANBOTS_TEST_BROWSER_PYTHON). Without them the test fails with the reason.
@Suite("web board in a browser") struct WebBoardBrowserTests {
    static let script = Sandbox.packageRoot + "/Tests/Fixtures/web-board/browser_test.py"

    static func python() throws -> String {
        if let python = ProcessInfo.processInfo.environment["KANBOTS_TEST_BROWSER_PYTHON"] { return python }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Sandbox.packageRoot + "/scripts/install-browser-test.sh")
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.standardError
        try process.run()
        let printed = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw TestFailure("Chromium/Selenium are not installed and scripts/install-browser-test.sh failed (see its output above)")
        }
        return String(decoding: printed, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    @Test func aPersonWatchesCardsMoveAnswersAQuestionAndStopsARun() throws {
        let python = try Self.python()
        try Sandbox.with(cards: ["Add CSV export", "Pick a greeting", "Refactor slowly"]) { sandbox in
            try sandbox.installFakeAgent("claude", script: FakeDecisionAgent(arguments: DecisionTests.greeting)
                .script(argsLog: sandbox.root + "/agent-args.jsonl"))
            // The page dispatches through the server: its demo agent takes a few seconds.
            let board = try ServedBoard(sandbox, environment: ["KANBOTS_DEMO_STEP_SECONDS": "0.25", "KANBOTS_DEMO_TURNS": "6"])
            let shots = sandbox.root + "/artifacts/web-board"
            let result = try sandbox.run(python, [Self.script, "--url", board.url, "--repo", sandbox.repo,
                                                  "--kanbots", try KanbotsBinary.path(), "--shots", shots], timeout: 600)
            let kept = Self.keep(shots)
            print("web board screenshots: \(kept)")
            print(result.stdout)
            #expect(result.succeeded, "browser test failed: \(result.stdout)\n\(result.stderr)")
            guard result.succeeded, let last = result.stdoutLines.last,
                  let summary = try JSONSerialization.jsonObject(with: Data(last.utf8)) as? [String: Any],
                  let asked = summary["decision_run"] as? String, let stopped = summary["stopped_run"] as? String
            else { return }

            let answered = try sandbox.finishedRun(asked, timeout: 60)
            #expect(answered.state == "completed", "\(answered.state) \(answered.reason ?? "")")
            #expect(try sandbox.gitOK("show", "\(answered.branch):answer.txt") == "The human answered: Hi", "the clicked option reached the agent")
            let cancelled = try sandbox.finishedRun(stopped, timeout: 60)
            #expect(cancelled.state == "cancelled")
            #expect(cancelled.reason == "stopped_by_user")
        }
    }

    /// Copies the screenshots out of the sandbox (which is removed) to
    /// .build/test-artifacts/web-board, and returns where they are.
    static func keep(_ folder: String) -> String {
        let target = Sandbox.packageRoot + "/.build/test-artifacts/web-board"
        try? FileManager.default.removeItem(atPath: target)
        try? FileManager.default.createDirectory(atPath: target, withIntermediateDirectories: true)
        for name in (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? [] {
            try? FileManager.default.copyItem(atPath: folder + "/" + name, toPath: target + "/" + name)
        }
        return "\(folder) (copied to \(target))"
    }
}
