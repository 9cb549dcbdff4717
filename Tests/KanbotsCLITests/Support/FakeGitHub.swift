import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The fake GitHub REST API (Tests/Fixtures/fake-github/server.py) on a
/// loopback port of its own, with helpers to seed it, script failures and
/// read its state.
final class FakeGitHub {
    static let repository = "acme/tool"
    static let token = "test-token-1"
    let port: Int
    private let process: RunningProcess

    init(in sandbox: Sandbox, tokens: [String] = [FakeGitHub.token], maxPerPage: Int = 100, timeout: TimeInterval = 15) throws {
        let script = Sandbox.packageRoot + "/Tests/Fixtures/fake-github/server.py"
        let arguments = ["--repo", Self.repository, "--max-per-page", String(maxPerPage), "--max-lifetime", "300"]
            + tokens.flatMap { ["--token", $0] }
        let (process, port) = try sandbox.startLoopbackServer(script, arguments, name: "fake-github", timeout: timeout)
        self.port = port
        self.process = process
    }

    var baseURL: String { "http://127.0.0.1:\(port)" }

    /// Points the sandbox at this fake: API URL, token, repository; and
    /// removes any token the test runner's own environment carries.
    func configure(_ sandbox: Sandbox, token: String? = FakeGitHub.token) throws {
        sandbox.environment["GITHUB_API_URL"] = baseURL
        sandbox.environment["GH_TOKEN"] = token
        sandbox.environment["GITHUB_TOKEN"] = nil
        sandbox.environment["NO_PROXY"] = "127.0.0.1,localhost"
        sandbox.environment["no_proxy"] = "127.0.0.1,localhost"
        try sandbox.gitOK("config", "kanbots.github.repo", Self.repository)
    }

    /// Adds issues (`number`, `title`, optional `body`, `state`, `labels`) and labels.
    func seed(issues: [[String: Any]], labels: [String] = []) throws {
        try control(["seed": ["repo": Self.repository, "issues": issues, "labels": labels]])
    }

    /// The next request matching `method` and `path` (a prefix) gets `status`.
    func fail(_ status: Int, method: String? = nil, path: String = "", extra: [String: Any] = [:]) throws {
        var failure: [String: Any] = ["status": status, "path": path, "times": 1]
        if let method { failure["method"] = method }
        try control(["fail": failure.merging(extra) { _, new in new }])
    }

    func mergePullRequest(_ number: Int) throws { try control(["merge": ["repo": Self.repository, "number": number]]) }

    /// Pull requests must have their head branch in this bare repository.
    func requireHeadsIn(_ remote: String) throws { try control(["remote": remote]) }

    func control(_ body: [String: Any]) throws {
        _ = try request("POST", "/_control", body: try JSONSerialization.data(withJSONObject: body))
    }

    func state() throws -> [String: Any] {
        guard let object = try JSONSerialization.jsonObject(with: try request("GET", "/_state", body: nil)) as? [String: Any]
        else { throw TestFailure("fake GitHub state is not an object") }
        return object
    }

    private var repo: [String: Any] { get throws { ((try state()["repos"] as? [String: Any])?[Self.repository] as? [String: Any]) ?? [:] } }
    func issues() throws -> [[String: Any]] { try repo["issues"] as? [[String: Any]] ?? [] }
    func pulls() throws -> [[String: Any]] { try repo["pulls"] as? [[String: Any]] ?? [] }
    func labels() throws -> [String] { (try repo["labels"] as? [[String: Any]] ?? []).compactMap { $0["name"] as? String } }
    func requests() throws -> [[String: Any]] { try state()["requests"] as? [[String: Any]] ?? [] }

    /// The label names on issue `number`, in order.
    func labels(ofIssue number: Int) throws -> [String] {
        let issue = try issues().first { $0["number"] as? Int == number }
        return (issue?["labels"] as? [[String: Any]] ?? []).compactMap { $0["name"] as? String }
    }

    private final class Box: @unchecked Sendable {
        var data: Data?
        var error: Error?
    }

    private func request(_ method: String, _ path: String, body: Data?) throws -> Data {
        var request = URLRequest(url: URL(string: baseURL + path)!)
        request.httpMethod = method
        request.httpBody = body
        let box = Box()
        let done = DispatchSemaphore(value: 0)
        URLSession.shared.dataTask(with: request) { data, _, error in
            box.data = data
            box.error = error
            done.signal()
        }.resume()
        guard done.wait(timeout: .now() + 20) == .success else { throw TestFailure("fake GitHub did not answer \(path)") }
        if let error = box.error { throw TestFailure("fake GitHub \(path): \(error)") }
        return box.data ?? Data()
    }

    func stop() {
        process.signal(SIGTERM)
        if (try? process.wait(timeout: 5)) == nil { process.signal(SIGKILL) }
    }
}
