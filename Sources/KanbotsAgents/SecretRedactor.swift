import KanbotsCore

/// Removes API keys, tokens and passwords from transcript lines before they
/// are stored in git, where they would be shared with every clone.
///
/// Covered: Anthropic (`sk-ant-…`) and OpenAI (`sk-…`, `sk-proj-…`) keys,
/// GitHub tokens (`ghp_`, `gho_`, `ghu_`, `ghs_`, `ghr_`, `github_pat_`), AWS
/// access key ids (`AKIA…`, `ASIA…`), Slack tokens (`xox[baprs]-…`), `Bearer`
/// credentials, PEM private key blocks, JSON fields named like `api_key`,
/// `token`, `password` or `secret` with string values (also JSON quoted inside
/// a JSON string, as tool output is), and `NAME_TOKEN=value` style assignments.
///
/// Only the secret text is replaced, by `[REDACTED]`, which holds no quote or
/// backslash: a line that was valid JSON stays valid JSON.
///
/// Most lines hold none of this, so a single byte scan looks for the marker
/// each rule needs and the regular expressions run only when one is there.
public struct SecretRedactor: Sendable {
    public static let replacement = "[REDACTED]"

    public init() {}

    /// The line with every secret found replaced by `[REDACTED]`.
    public func redact(_ line: String) -> String {
        var line = line
        let markers = line.withUTF8 { Self.markers(in: $0) }
        guard !markers.isEmpty else { return line }
        return Self.applyRules(for: markers, to: line)
    }

    /// The line with every secret found replaced; returns the same bytes,
    /// without copying, when there is nothing to redact.
    public func redact(_ line: Data) -> Data {
        let markers = line.withUnsafeBytes { Self.markers(in: $0.bindMemory(to: UInt8.self)) }
        guard !markers.isEmpty else { return line }
        let redacted = Self.applyRules(for: markers, to: String(decoding: line, as: UTF8.self))
        return Data(redacted.utf8)
    }

    private static func applyRules(for markers: SecretMarkers, to line: String) -> String {
        let bytes = Array(line.utf8)
        var secrets: [Range<Int>] = []
        for rule in SecretRule.allCases where markers.contains(rule.marker) {
            secrets += rule.secrets(in: bytes).filter { !$0.isEmpty }
        }
        guard !secrets.isEmpty else { return line }
        // Rules may find the same secret twice ("api_key":"sk-…"): merge overlaps.
        secrets.sort { $0.lowerBound < $1.lowerBound }
        var merged: [Range<Int>] = []
        for secret in secrets {
            if let last = merged.last, secret.lowerBound <= last.upperBound {
                merged[merged.count - 1] = last.lowerBound..<max(last.upperBound, secret.upperBound)
            } else {
                merged.append(secret)
            }
        }
        // Every secret starts and ends next to an ASCII character, so the
        // slices between them are whole UTF-8 sequences.
        var redacted: [UInt8] = []
        redacted.reserveCapacity(bytes.count)
        var cursor = 0
        for secret in merged {
            redacted += bytes[cursor..<secret.lowerBound]
            redacted += replacement.utf8
            cursor = secret.upperBound
        }
        redacted += bytes[cursor...]
        return String(decoding: redacted, as: UTF8.self)
    }
}

/// Which families of secrets a line might hold, judging by cheap markers.
struct SecretMarkers: OptionSet, Sendable {
    let rawValue: UInt8
    static let prefixedToken = SecretMarkers(rawValue: 1)
    static let bearer = SecretMarkers(rawValue: 2)
    static let privateKey = SecretMarkers(rawValue: 4)
    static let jsonField = SecretMarkers(rawValue: 8)
    static let assignment = SecretMarkers(rawValue: 16)
}
