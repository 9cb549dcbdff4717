import Foundation

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
        let rules = SecretRule.all.filter { markers.contains($0.marker) }
        guard !rules.isEmpty else { return line }
        let text = NSMutableString(string: line)
        for rule in rules {
            _ = rule.expression.replaceMatches(
                in: text, options: [], range: NSRange(location: 0, length: text.length),
                withTemplate: rule.template
            )
        }
        return text as String
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

/// One regular expression and what its matches become.
struct SecretRule: @unchecked Sendable {
    // NSRegularExpression is immutable once built and safe to share between
    // threads, as Foundation documents; it is just not marked Sendable.
    let marker: SecretMarkers
    let expression: NSRegularExpression
    let template: String

    init(_ marker: SecretMarkers, _ pattern: String, keeping prefix: Bool = false) {
        self.marker = marker
        // The patterns are constants; failing to compile one is a programming error.
        self.expression = try! NSRegularExpression(pattern: pattern, options: [])
        self.template = prefix ? "$1\(SecretRedactor.replacement)$3" : SecretRedactor.replacement
    }

    /// Not preceded by a word character, unless that character ends a JSON
    /// escape such as "\n": a key printed at the start of a line of tool
    /// output appears right after one.
    private static let boundary = #"(?:(?<![A-Za-z0-9_])|(?<=\\[nrt]))"#
    private static let secretKey = #"[A-Za-z0-9_\-]*(?i:api[_\-]?key|apikey|access[_\-]?key|private[_\-]?key|token|secret|password|passwd)"#

    static let all: [SecretRule] = [
        SecretRule(.privateKey, #"-----BEGIN[A-Z ]*PRIVATE KEY-----(?:(?:[^"\\]|\\.)*?-----END[A-Z ]*PRIVATE KEY-----|(?:[^"\\]|\\.)*)"#),
        SecretRule(.prefixedToken, boundary + #"(?:sk-(?=[A-Za-z0-9_\-]*[0-9])[A-Za-z0-9_\-]{20,}|gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{30,}|(?:AKIA|ASIA)[0-9A-Z]{16}(?![0-9A-Za-z])|xox[baprs]-[A-Za-z0-9\-]{10,})"#),
        SecretRule(.bearer, #"(?i)(bearer\s+)(?=[A-Za-z\-._~+/]*[0-9])([A-Za-z0-9\-._~+/]{8,}=*)()"#, keeping: true),
        SecretRule(.jsonField, #"("\#(secretKey)"\s*:\s*")((?:[^"\\]|\\.)+)(")"#, keeping: true),
        SecretRule(.jsonField, #"(\\"\#(secretKey)\\"\s*:\s*\\")((?:[^"\\]|\\[^"])+?)(\\")"#, keeping: true),
        SecretRule(.assignment, boundary + #"(\#(secretKey)=)([^\s"'\\&]{8,})()"#, keeping: true),
    ]
}
