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
        let units = Array(line.utf16)
        var secrets: [Range<Int>] = []
        for rule in rules {
            for match in rule.expression.matches(in: line, range: NSRange(location: 0, length: units.count)) {
                if let secret = rule.extent.secret(in: match, units: units), !secret.isEmpty {
                    secrets.append(secret)
                }
            }
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
        // Rebuilt from UTF-8 slices: decoding a UTF-16 buffer back into a
        // String costs more than all the rest on Linux.
        let view = line.utf16
        var redacted = ""
        redacted.reserveCapacity(line.utf8.count)
        var cursor = line.startIndex
        for secret in merged {
            let start = view.index(view.startIndex, offsetBy: secret.lowerBound)
            redacted += line[cursor..<start]
            redacted += replacement
            cursor = view.index(view.startIndex, offsetBy: secret.upperBound)
        }
        redacted += line[cursor...]
        return redacted
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

/// One regular expression and where the secret lies in what it matches.
struct SecretRule: @unchecked Sendable {
    // NSRegularExpression is immutable once built and safe to share between
    // threads, as Foundation documents; it is just not marked Sendable.
    let marker: SecretMarkers
    let expression: NSRegularExpression
    let extent: SecretExtent

    init(_ marker: SecretMarkers, _ pattern: String, _ extent: SecretExtent) {
        self.marker = marker
        // The patterns are constants; failing to compile one is a programming error.
        self.expression = try! NSRegularExpression(pattern: pattern, options: [])
        self.extent = extent
    }

    /// Not preceded by a word character, unless that character ends a JSON
    /// escape such as "\n": a key printed at the start of a line of tool
    /// output appears right after one.
    private static let boundary = #"(?:(?<![A-Za-z0-9_])|(?<=\\[nrt]))"#
    private static let secretKey = #"[A-Za-z0-9_\-]*(?i:api[_\-]?key|apikey|access[_\-]?key|private[_\-]?key|token|secret|password|passwd)"#

    // The expressions only ever repeat single character classes, greedily:
    // ICU keeps a backtracking state for each repetition of a group (even a
    // possessive one), and on a multi-megabyte value it runs out of stack and
    // silently reports no match, which would leak the secret. Values that can
    // be that long (JSON strings, key blocks) are delimited by `SecretExtent`.
    static let all: [SecretRule] = [
        SecretRule(.privateKey, #"-----BEGIN[A-Z ]*PRIVATE KEY-----"#, .privateKeyBlock),
        SecretRule(.prefixedToken, boundary + #"(?:sk-(?=[A-Za-z0-9_\-]*[0-9])[A-Za-z0-9_\-]{20,}|gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{30,}|(?:AKIA|ASIA)[0-9A-Z]{16}(?![0-9A-Za-z])|xox[baprs]-[A-Za-z0-9\-]{10,})"#, .wholeMatch),
        SecretRule(.bearer, #"(?i)bearer\s+(?=[A-Za-z\-._~+/]*[0-9])([A-Za-z0-9\-._~+/]{8,}=*)"#, .firstGroup),
        SecretRule(.jsonField, #""\#(secretKey)"\s*:\s*""#, .jsonString),
        SecretRule(.jsonField, #"\\"\#(secretKey)\\"\s*:\s*\\""#, .quotedJSONString),
        SecretRule(.assignment, boundary + #"\#(secretKey)=([^\s"'\\&]{8,})"#, .firstGroup),
    ]
}

/// Where the secret is, given a rule's match (UTF-16 offsets, as NSString counts).
enum SecretExtent: Sendable {
    case wholeMatch
    case firstGroup
    /// The match ends at the opening quote of a JSON string: the secret is
    /// its contents, up to the closing quote.
    case jsonString
    /// The same for JSON quoted inside a JSON string, where quotes are `\"`.
    case quotedJSONString
    /// The match is a PEM header: the secret runs through the footer, or to
    /// the end of the JSON string when the block was cut.
    case privateKeyBlock

    func secret(in match: NSTextCheckingResult, units: [UInt16]) -> Range<Int>? {
        switch self {
        case .wholeMatch:
            return Range(match.range)
        case .firstGroup:
            return Range(match.range(at: 1))
        case .jsonString:
            let start = match.range.upperBound
            return start..<Self.stringEnd(in: units, from: start, quoted: false)
        case .quotedJSONString:
            let start = match.range.upperBound
            return start..<Self.stringEnd(in: units, from: start, quoted: true)
        case .privateKeyBlock:
            return match.range.location..<Self.keyBlockEnd(in: units, from: match.range.upperBound)
        }
    }

    private static let backslash = UInt16(UInt8(ascii: "\\"))
    private static let quote = UInt16(UInt8(ascii: "\""))

    /// Index of the closing quote (`"`, or `\"` when `quoted`), skipping escapes.
    private static func stringEnd(in units: [UInt16], from start: Int, quoted: Bool) -> Int {
        var index = start
        while index < units.count {
            if units[index] == quote { return index }
            if units[index] == backslash {
                if quoted, index + 1 < units.count, units[index + 1] == quote { return index }
                index += 2
            } else {
                index += 1
            }
        }
        return units.count
    }

    private static let footer = Array("-----END".utf16)
    private static let footerEnd = Array("PRIVATE KEY-----".utf16)

    /// Index just past the PEM footer, or of the end of the enclosing string.
    private static func keyBlockEnd(in units: [UInt16], from start: Int) -> Int {
        var index = start
        while index < units.count {
            if units[index] == quote { return index }
            if units[index] == backslash {
                index += 2
                continue
            }
            if units[index] == footer[0], units[index...].starts(with: footer) {
                var end = index + footer.count
                while end < units.count, units[end] == 0x20 || (0x41...0x5A).contains(units[end]) {
                    if units[end...].starts(with: footerEnd) { return end + footerEnd.count }
                    end += 1
                }
                return index
            }
            index += 1
        }
        return units.count
    }
}
