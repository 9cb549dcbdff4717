import Foundation
import KanbotsSystem

/// Finds a token the way GitHub's own tools do: `GH_TOKEN`, then
/// `GITHUB_TOKEN`, then the `gh` CLI's stored login (`gh auth token`), so a
/// user who already uses `gh` configures nothing.
public enum GitHubAuth {
    public struct Credential: Sendable, Equatable {
        public var token: String
        /// `GH_TOKEN`, `GITHUB_TOKEN` or `gh auth token`.
        public var source: String
    }

    public static func token(environment: [String: String], apiURL: String) throws -> Credential {
        for name in ["GH_TOKEN", "GITHUB_TOKEN"] {
            if let value = environment[name]?.trimmingCharacters(in: .whitespacesAndNewlines), !value.isEmpty {
                return Credential(token: value, source: name)
            }
        }
        if let gh = environment["PATH"].flatMap({ ProcessLauncher.locate("gh", path: $0) }), let token = ghToken(gh, host: host(of: apiURL)) {
            return Credential(token: token, source: "gh auth token")
        }
        throw GitHubError.noToken
    }

    /// The host `gh` knows the login under: github.com for the public API,
    /// the server's own name for GitHub Enterprise.
    static func host(of apiURL: String) -> String {
        guard let host = URLComponents(string: apiURL)?.host else { return "github.com" }
        return host == "api.github.com" ? "github.com" : host
    }

    /// Runs `gh auth token --hostname HOST`; nil when gh is not logged in.
    static func ghToken(_ gh: String, host: String) -> String? {
        guard let result = try? ProcessLauncher.run(gh, arguments: ["auth", "token", "--hostname", host]),
              result.succeeded else { return nil }
        let token = String(decoding: result.output, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        return token.isEmpty || token.contains(" ") ? nil : token
    }
}
