import Foundation

/// The scripted mock of the OpenAI Responses API
/// (Tests/Fixtures/mock-openai/responses-server.py), on a loopback port of its own.
final class MockOpenAI: ScriptedAPI {
    static let folder = Sandbox.packageRoot + "/Tests/Fixtures/mock-openai"
    let port: Int
    let logPath: String
    let process: RunningProcess

    init(scenario: String, in sandbox: Sandbox, timeout: TimeInterval = 15) throws {
        logPath = sandbox.root + "/mock-openai-\(UUID().uuidString.prefix(6)).jsonl"
        let (process, port) = try sandbox.startLoopbackServer(
            Self.folder + "/responses-server.py", ["--scenario", Self.folder + "/" + scenario, "--log", logPath, "--max-lifetime", "180"],
            name: "mock-openai", timeout: timeout)
        self.port = port
        self.process = process
    }

    /// A `CODEX_HOME` whose only provider is this mock, and the key Codex
    /// wants for it: all the real CLI needs to run offline.
    func codexEnvironment(in sandbox: Sandbox) throws -> [String: String] {
        let home = sandbox.root + "/codex-home"
        try FileManager.default.createDirectory(atPath: home, withIntermediateDirectories: true)
        try sandbox.write(home + "/config.toml", """
            model_provider = "mock"
            [model_providers.mock]
            name = "mock"
            base_url = "http://127.0.0.1:\(port)/v1"
            env_key = "OPENAI_API_KEY"
            wire_api = "responses"
            stream_max_retries = 2
            request_max_retries = 1

            """)
        return ["CODEX_HOME": home, "OPENAI_API_KEY": "test-key-not-secret"]
    }

    static func codexBinary(_ sandbox: Sandbox) throws -> String {
        try sandbox.installedCLI(variable: "KANBOTS_TEST_CODEX", script: "install-codex-cli.sh")
    }
}
