import Foundation

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
        if let gh = locate("gh", path: environment["PATH"]), let token = ghToken(gh, host: host(of: apiURL)) {
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
        let process = Process()
        process.executableURL = URL(fileURLWithPath: gh)
        process.arguments = ["auth", "token", "--hostname", host]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        do { try process.run() } catch { return nil }
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { return nil }
        let token = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        return token.isEmpty || token.contains(" ") ? nil : token
    }

    static func locate(_ name: String, path: String?) -> String? {
        for folder in (path ?? "").split(separator: ":") {
            let candidate = "\(folder)/\(name)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }
}
