import Foundation

/// Fake agents (small executables a test writes) and what a finished run left.
extension Sandbox {
    /// The package's root folder (for fixtures and scripts).
    static let packageRoot: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<4 { url.deleteLastPathComponent() }  // Support, KanbotsCLITests, Tests, file
        return url.path
    }()

    static let mockAnthropicFolder = packageRoot + "/Tests/Fixtures/mock-anthropic"

    /// Writes `script` as an executable outside the repository and makes it
    /// `kanbots.agent.<agent>.path`.
    @discardableResult
    func installFakeAgent(_ agent: String, script: String) throws -> String {
        let path = root + "/agents/fake-\(agent)-\(UUID().uuidString.prefix(6))"
        try write(path, script, executable: true)
        try gitOK("config", "kanbots.agent.\(agent).path", path)
        return path
    }

    /// Waits for every run to end, then returns the run as `show --json` prints it.
    func finishedRun(_ id: String, timeout: TimeInterval = 30) throws -> RunInfo {
        try waitUntilIdle(timeout: timeout)
        struct Shown: Decodable { var run: RunInfo }
        return try JSON.decode(Shown.self, from: try kanbots("show", "--json", id)).run
    }

    /// The transcript stored in the run's record tree in git.
    func storedTranscript(_ id: String) throws -> String {
        let result = try git("show", "refs/kanbots/runs/\(id):transcript.ndjson")
        guard result.succeeded else { throw TestFailure("no transcript stored in git for \(id): \(result)") }
        return result.stdout
    }

    /// The last `result` event of an NDJSON stream, parsed.
    static func resultEvent(in transcript: String) -> [String: Any]? {
        transcript.split(separator: "\n").reversed().lazy.compactMap { line -> [String: Any]? in
            guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                  object["type"] as? String == "result" else { return nil }
            return object
        }.first
    }
}

/// Shell-quotes one word for a script.
func shellQuoted(_ word: String) -> String { "'" + word.replacingOccurrences(of: "'", with: "'\\''") + "'" }
