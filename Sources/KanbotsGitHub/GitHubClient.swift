import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// A small, synchronous client for GitHub's REST API (the CLI does one thing
/// at a time, so blocking calls keep it simple). Every failure becomes a
/// `GitHubError` with one line a user can act on.
public final class GitHubClient: @unchecked Sendable {
    /// `https://api.github.com`, or `GITHUB_API_URL` (GitHub Enterprise:
    /// `https://HOST/api/v3`; tests: a loopback fake).
    public let apiURL: String
    /// Where the token came from, for messages (`GH_TOKEN`, `GITHUB_TOKEN`, `gh auth token`).
    public let tokenSource: String
    private let token: String
    private let session: URLSession

    public static let defaultAPIURL = "https://api.github.com"

    public init(apiURL: String, token: String, tokenSource: String = "token") {
        self.apiURL = apiURL.hasSuffix("/") ? String(apiURL.dropLast()) : apiURL
        self.token = token
        self.tokenSource = tokenSource
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = 30
        configuration.timeoutIntervalForResource = 60
        session = URLSession(configuration: configuration)
    }

    /// The client the environment describes: `GITHUB_API_URL` and the token
    /// found by `GitHubAuth`.
    public static func fromEnvironment(_ environment: [String: String] = ProcessInfo.processInfo.environment) throws
        -> GitHubClient {
        let apiURL = environment["GITHUB_API_URL"].flatMap { $0.isEmpty ? nil : $0 } ?? defaultAPIURL
        let credential = try GitHubAuth.token(environment: environment, apiURL: apiURL)
        return GitHubClient(apiURL: apiURL, token: credential.token, tokenSource: credential.source)
    }

    public struct Response {
        public var status: Int
        public var data: Data
        public var headers: [String: String]

        public func header(_ name: String) -> String? {
            headers.first { $0.key.lowercased() == name.lowercased() }?.value
        }
    }

    /// Sends one request; `what` names the object for a 404 ("issue #9 in o/r").
    /// Statuses in `accepting` are returned instead of thrown.
    @discardableResult
    public func send(_ method: String, _ path: String, query: [(String, String)] = [], body: [String: Any]? = nil,
                     what: String, accepting: Set<Int> = []) throws -> Response {
        let response = try perform(method, url: try url(path, query: query), body: body)
        if (200..<300).contains(response.status) || accepting.contains(response.status) { return response }
        throw Self.error(for: response, what: what)
    }

    /// GETs every page of a list (following `Link: <…>; rel="next"`).
    public func list<T: Decodable>(_ type: T.Type, _ path: String, query: [(String, String)], what: String) throws -> [T] {
        var items: [T] = []
        var next: URL? = try url(path, query: query + [("per_page", "100")])
        var pages = 0
        while let current = next, pages < 100 {
            let response = try perform("GET", url: current, body: nil)
            guard (200..<300).contains(response.status) else { throw Self.error(for: response, what: what) }
            items += try decode([T].self, from: response)
            next = response.header("Link").flatMap(Self.nextLink)
            pages += 1
        }
        return items
    }

    public func decode<T: Decodable>(_ type: T.Type, from response: Response) throws -> T {
        do {
            return try JSONDecoder().decode(type, from: response.data)
        } catch {
            throw GitHubError.transport("unreadable answer from \(apiURL) (\(error))")
        }
    }

    private func url(_ path: String, query: [(String, String)]) throws -> URL {
        guard var components = URLComponents(string: apiURL + path) else {
            throw GitHubError.transport("GITHUB_API_URL '\(apiURL)' is not a URL")
        }
        if !query.isEmpty { components.queryItems = query.map { URLQueryItem(name: $0.0, value: $0.1) } }
        guard let url = components.url else { throw GitHubError.transport("cannot build a URL from \(apiURL)\(path)") }
        return url
    }

    private final class Outcome: @unchecked Sendable {
        var data: Data?
        var response: URLResponse?
        var error: Error?
    }

    private func perform(_ method: String, url: URL, body: [String: Any]?) throws -> Response {
        var request = URLRequest(url: url)
        request.httpMethod = method
        request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization")
        request.setValue("application/vnd.github+json", forHTTPHeaderField: "Accept")
        request.setValue("2022-11-28", forHTTPHeaderField: "X-GitHub-Api-Version")
        request.setValue("git-kanbots", forHTTPHeaderField: "User-Agent")
        if let body {
            request.httpBody = try JSONSerialization.data(withJSONObject: body, options: [.sortedKeys])
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        }
        let outcome = Outcome()
        let done = DispatchSemaphore(value: 0)
        session.dataTask(with: request) { data, response, error in
            outcome.data = data
            outcome.response = response
            outcome.error = error
            done.signal()
        }.resume()
        done.wait()
        if let error = outcome.error { throw GitHubError.transport("\(method) \(url.absoluteString): \(error.localizedDescription)") }
        guard let http = outcome.response as? HTTPURLResponse else {
            throw GitHubError.transport("\(method) \(url.absoluteString): no HTTP answer")
        }
        var headers: [String: String] = [:]
        for (key, value) in http.allHeaderFields {
            if let key = key as? String, let value = value as? String { headers[key] = value }
        }
        return Response(status: http.statusCode, data: outcome.data ?? Data(), headers: headers)
    }

    /// Maps a failed answer to one line (GitHub's `message` and, for 422,
    /// its `errors`, are kept).
    static func error(for response: Response, what: String) -> GitHubError {
        let object = (try? JSONSerialization.jsonObject(with: response.data)) as? [String: Any]
        let message = (object?["message"] as? String).map { $0.replacingOccurrences(of: "\n", with: " ") }
            ?? HTTPURLResponse.localizedString(forStatusCode: response.status)
        switch response.status {
        case 401:
            return .unauthorized(message)
        case 403, 429:
            let remaining = response.header("X-RateLimit-Remaining")
            if remaining == "0" || message.lowercased().contains("rate limit") || response.status == 429 {
                let reset = response.header("X-RateLimit-Reset").flatMap(Double.init).map(Date.init(timeIntervalSince1970:))
                    ?? response.header("Retry-After").flatMap(Double.init).map { Date().addingTimeInterval($0) }
                return .rateLimited(resetAt: reset)
            }
            return .forbidden(message)
        case 404:
            return .notFound(what)
        case 422:
            let details = (object?["errors"] as? [Any] ?? []).compactMap { item -> String? in
                if let text = item as? String { return text }
                guard let entry = item as? [String: Any] else { return nil }
                if let text = entry["message"] as? String { return text }
                return [entry["resource"], entry["field"], entry["code"]].compactMap { $0 as? String }
                    .joined(separator: " ")
            }
            return .rejected(([message] + details).joined(separator: ": "))
        default:
            return .status(response.status, message)
        }
    }

    /// The `next` URL of a `Link` header.
    static func nextLink(_ header: String) -> URL? {
        for part in header.split(separator: ",") {
            let pieces = part.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
            guard pieces.count >= 2, pieces.dropFirst().contains("rel=\"next\""),
                  pieces[0].hasPrefix("<"), pieces[0].hasSuffix(">") else { continue }
            return URL(string: String(pieces[0].dropFirst().dropLast()))
        }
        return nil
    }
}
