import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The scripted mock of the Anthropic Messages API
/// (Tests/Fixtures/mock-anthropic/server.py), on a loopback port of its own.
final class MockAnthropic: ScriptedAPI {
    let port: Int
    let logPath: String
    let process: RunningProcess

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

    /// The real `claude` binary: `KANBOTS_TEST_CLAUDE`, else what
    /// scripts/install-claude-cli.sh prints. Throws (the test fails) when neither works.
    static func claudeBinary(_ sandbox: Sandbox) throws -> String {
        try sandbox.installedCLI(variable: "KANBOTS_TEST_CLAUDE", script: "install-claude-cli.sh")
    }
}
