import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The scripted mock of the Anthropic Messages API
/// (Tests/Fixtures/mock-anthropic/server.py), on a loopback port of its own.
final class MockAnthropic {
    let port: Int
    let logPath: String
    private let process: RunningProcess

    /// Starts `server.py --scenario SCENARIO --log FILE` and reads `PORT n`
    /// from its first line.
    init(scenario: String, in sandbox: Sandbox, timeout: TimeInterval = 15) throws {
        let folder = Sandbox.mockAnthropicFolder
        logPath = sandbox.root + "/mock-requests-\(UUID().uuidString.prefix(6)).jsonl"
        let (process, port) = try sandbox.startLoopbackServer(
            folder + "/server.py", ["--scenario", folder + "/" + scenario, "--log", logPath, "--max-lifetime", "120"],
            name: "mock-anthropic", timeout: timeout)
        self.port = port
        self.process = process
    }

    var baseURL: String { "http://127.0.0.1:\(port)" }

    /// What the real CLI needs to talk to this mock (and nothing else): its
    /// HOME is the sandbox's own, so `--resume` finds the session later.
    func claudeEnvironment(in sandbox: Sandbox) throws -> [String: String] {
        let home = sandbox.root + "/claude-home"
        try FileManager.default.createDirectory(atPath: home, withIntermediateDirectories: true)
        return ["ANTHROPIC_BASE_URL": baseURL, "ANTHROPIC_API_KEY": "test",
                "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC": "1", "IS_SANDBOX": "1", "HOME": home]
    }

    /// The request log, one JSON object per request.
    func requests() -> [[String: Any]] {
        let text = FileManager.default.contents(atPath: logPath).map { String(decoding: $0, as: UTF8.self) } ?? ""
        return text.split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
    }

    func stop() {
        process.signal(SIGTERM)
        if (try? process.wait(timeout: 5)) == nil { process.signal(SIGKILL) }
    }

    /// The real `claude` binary: `KANBOTS_TEST_CLAUDE`, else what
    /// scripts/install-claude-cli.sh prints. Throws (the test fails) when neither works.
    static func claudeBinary(_ sandbox: Sandbox) throws -> String {
        if let configured = ProcessInfo.processInfo.environment["KANBOTS_TEST_CLAUDE"], !configured.isEmpty {
            guard KanbotsBinary.isExecutableFile(configured) else {
                throw TestFailure("KANBOTS_TEST_CLAUDE=\(configured) is not an executable file")
            }
            return configured
        }
        let script = Sandbox.packageRoot + "/scripts/install-claude-cli.sh"
        let result = try sandbox.run("/usr/bin/env", ["bash", script], in: Sandbox.packageRoot,
                                     environment: ["HOME": ProcessInfo.processInfo.environment["HOME"] ?? sandbox.home],
                                     timeout: 300)
        let path = result.output
        guard result.succeeded, KanbotsBinary.isExecutableFile(path) else {
            throw TestFailure("cannot get the claude CLI (set KANBOTS_TEST_CLAUDE or fix install-claude-cli.sh): \(result)")
        }
        return path
    }
}
