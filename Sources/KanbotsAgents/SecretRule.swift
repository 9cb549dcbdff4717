/// The shapes of secret the redactor knows, each matched by hand over a
/// line's UTF-8 bytes (all the shapes are ASCII).
///
/// Why not regular expressions: the supervisor links only FoundationEssentials,
/// which has no `NSRegularExpression`, and Swift's `Regex` has no lookbehind.
/// Matching by hand also has no backtracking, so a multi-megabyte value cannot
/// make a rule give up and leak the secret. The matches are the ones these
/// expressions would find, leftmost first and not overlapping:
///
///     prefixedToken  \b(sk-(?=[\w-]*\d)[\w-]{20,} | gh[pousr]_[A-Za-z0-9]{30,} | github_pat_\w{30,}
///                       | (AKIA|ASIA)[0-9A-Z]{16}(?![0-9A-Za-z]) | xox[baprs]-[A-Za-z0-9-]{10,})
///     bearer         (?i)bearer\s+(?=[A-Za-z-._~+/]*\d)([A-Za-z0-9-._~+/]{8,}=*)      secret: the group
///     jsonField      "KEY"\s*:\s*"   and   \"KEY\"\s*:\s*\"                          secret: the string after it
///     assignment     \bKEY=([^\s"'\\&]{8,})                                           secret: the group
///     privateKey     -----BEGIN[A-Z ]*PRIVATE KEY-----                                secret: through the footer
///
/// where KEY is `[\w-]*` ending, in any case, in api_key, apikey, access_key,
/// private_key (`_`, `-` or nothing in between), token, secret, password or
/// passwd, and `\b` is "not after a word character, unless that character
/// ends a JSON escape such as \n" (a key printed at the start of a line of
/// tool output appears right after one).
enum SecretRule: CaseIterable {
    case privateKey, prefixedToken, bearer, jsonField, quotedJSONField, assignment

    var marker: SecretMarkers {
        switch self {
        case .privateKey: .privateKey
        case .prefixedToken: .prefixedToken
        case .bearer: .bearer
        case .jsonField, .quotedJSONField: .jsonField
        case .assignment: .assignment
        }
    }

    /// The ranges of the secrets in `bytes`.
    func secrets(in bytes: [UInt8]) -> [Range<Int>] {
        var scanner = SecretScanner(bytes: bytes)
        var found: [Range<Int>] = []
        var position = 0
        while position < bytes.count {
            if let (secret, matchEnd) = match(at: position, &scanner) {
                found.append(secret)
                position = max(matchEnd, position + 1)
            } else {
                position += 1
            }
        }
        return found
    }

    /// The secret and the end of the whole match, for a match starting at `start`.
    private func match(at start: Int, _ s: inout SecretScanner) -> (Range<Int>, Int)? {
        switch self {
        case .privateKey:
            guard s.has("-----BEGIN", at: start) else { return nil }
            let run = s.run(from: start + 10) { $0 == 0x20 || isUpper($0) }
            guard s.bytes[start + 10..<run].reversed().starts(with: "PRIVATE KEY".utf8.reversed()),
                  s.has("-----", at: run) else { return nil }
            let end = run + 5
            return (start..<s.keyBlockEnd(from: end), end)
        case .prefixedToken:
            guard s.isBoundary(start), let end = s.prefixedToken(at: start) else { return nil }
            return (start..<end, end)
        case .bearer:
            guard s.hasIgnoringCase("bearer", at: start) else { return nil }
            let token = s.run(from: start + 6, where: isSpace)
            guard token > start + 6 else { return nil }
            let beforeDigit = s.run(from: token) { isLetter($0) || Self.bearerPunctuation.contains($0) }
            guard beforeDigit < s.bytes.count, isDigit(s.bytes[beforeDigit]) else { return nil }
            let run = s.run(from: token) { isLetter($0) || isDigit($0) || Self.bearerPunctuation.contains($0) }
            guard run - token >= 8 else { return nil }
            let end = s.run(from: run) { $0 == UInt8(ascii: "=") }
            return (token..<end, end)
        case .jsonField, .quotedJSONField:
            let quote: [UInt8] = self == .jsonField ? [0x22] : [0x5C, 0x22]
            guard s.has(quote, at: start) else { return nil }
            let keyEnd = s.run(from: start + quote.count, where: isKeyCharacter)
            guard s.endsWithSecretKey(start + quote.count..<keyEnd), s.has(quote, at: keyEnd) else { return nil }
            var cursor = s.run(from: keyEnd + quote.count, where: isSpace)
            guard s.has([UInt8(ascii: ":")], at: cursor) else { return nil }
            cursor = s.run(from: cursor + 1, where: isSpace)
            guard s.has(quote, at: cursor) else { return nil }
            let valueStart = cursor + quote.count
            return (valueStart..<s.stringEnd(from: valueStart, quoted: self == .quotedJSONField), valueStart)
        case .assignment:
            guard s.isBoundary(start) else { return nil }
            let keyEnd = s.run(from: start, where: isKeyCharacter)
            guard s.endsWithSecretKey(start..<keyEnd), s.has([UInt8(ascii: "=")], at: keyEnd) else { return nil }
            let value = s.run(from: keyEnd + 1) { !isSpace($0) && !Self.assignmentStops.contains($0) }
            guard value - keyEnd - 1 >= 8 else { return nil }
            return (keyEnd + 1..<value, value)
        }
    }

    private static let bearerPunctuation = Set("-._~+/".utf8)
    private static let assignmentStops = Set("\"'\\&".utf8)
}

private func isUpper(_ byte: UInt8) -> Bool { (0x41...0x5A).contains(byte) }
private func isLetter(_ byte: UInt8) -> Bool { isUpper(byte) || (0x61...0x7A).contains(byte) }
private func isDigit(_ byte: UInt8) -> Bool { (0x30...0x39).contains(byte) }
private func isWordCharacter(_ byte: UInt8) -> Bool { isLetter(byte) || isDigit(byte) || byte == 0x5F }
private func isKeyCharacter(_ byte: UInt8) -> Bool { isWordCharacter(byte) || byte == 0x2D }
private func isSpace(_ byte: UInt8) -> Bool { byte == 0x20 || (0x09...0x0D).contains(byte) }

/// Reading primitives over one line's bytes.
struct SecretScanner {
    let bytes: [UInt8]

    /// The index just past the run of bytes from `start` that satisfy `belongs`.
    func run(from start: Int, where belongs: (UInt8) -> Bool) -> Int {
        var index = start
        while index < bytes.count, belongs(bytes[index]) { index += 1 }
        return index
    }

    func has<S: Collection>(_ literal: S, at index: Int) -> Bool where S.Element == UInt8 {
        guard index >= 0, index + literal.count <= bytes.count else { return false }
        // Most positions fail on the first byte; test it before building a slice.
        guard let first = literal.first, bytes[index] == first else { return literal.isEmpty }
        return bytes[index..<index + literal.count].elementsEqual(literal)
    }

    func has(_ literal: StaticString, at index: Int) -> Bool {
        has(UnsafeBufferPointer(start: literal.utf8Start, count: literal.utf8CodeUnitCount), at: index)
    }

    func hasIgnoringCase(_ lowercase: String, at index: Int) -> Bool {
        bytes[index...].starts(with: lowercase.utf8) { $0 | 0x20 == $1 }
    }

    /// Not after a word character, unless it ends a JSON escape (`\n`, `\r`, `\t`).
    func isBoundary(_ index: Int) -> Bool {
        guard index > 0, isWordCharacter(bytes[index - 1]) else { return true }
        return index >= 2 && bytes[index - 2] == 0x5C && "nrt".utf8.contains(bytes[index - 1])
    }

    private static let secretKeyEndings: [[UInt8]] = {
        let keys = ["api", "access", "private"].flatMap { [$0 + "_key", $0 + "-key", $0 + "key"] }
        return (keys + ["token", "secret", "password", "passwd"]).map { Array($0.utf8) }
    }()

    /// Whether the key in `range` ends, in any case, with a secret's name.
    func endsWithSecretKey(_ range: Range<Int>) -> Bool {
        Self.secretKeyEndings.contains { ending in
            range.count >= ending.count
                && zip(bytes[(range.upperBound - ending.count)..<range.upperBound], ending).allSatisfy { key, name in
                    (isUpper(key) ? key | 0x20 : key) == name
                }
        }
    }

    /// The end of a provider token starting at `start`, or nil.
    func prefixedToken(at start: Int) -> Int? {
        func long(_ from: Int, _ minimum: Int, _ belongs: (UInt8) -> Bool) -> Int? {
            let end = run(from: from, where: belongs)
            return end - from >= minimum ? end : nil
        }
        if has("sk-", at: start) {
            guard let end = long(start + 3, 20, isKeyCharacter), bytes[start + 3..<end].contains(where: isDigit) else { return nil }
            return end
        }
        if has("gh", at: start), start + 3 < bytes.count, "pousr".utf8.contains(bytes[start + 2]), bytes[start + 3] == 0x5F {
            return long(start + 4, 30) { isLetter($0) || isDigit($0) }
        }
        if has("github_pat_", at: start) { return long(start + 11, 30, isWordCharacter) }
        if has("AKIA", at: start) || has("ASIA", at: start) {
            let end = run(from: start + 4) { isUpper($0) || isDigit($0) }
            guard end - start - 4 >= 16 else { return nil }
            let key = start + 20
            return key < bytes.count && (isLetter(bytes[key]) || isDigit(bytes[key])) ? nil : key
        }
        if has("xox", at: start), start + 4 < bytes.count, "baprs".utf8.contains(bytes[start + 3]), bytes[start + 4] == 0x2D {
            return long(start + 5, 10) { isLetter($0) || isDigit($0) || $0 == 0x2D }
        }
        return nil
    }

    /// The index of the closing quote (`"`, or `\"` when `quoted`) of a
    /// string starting at `start`, skipping escapes; the end if it was cut.
    func stringEnd(from start: Int, quoted: Bool) -> Int {
        var index = start
        while index < bytes.count {
            if bytes[index] == 0x22 { return index }
            if bytes[index] == 0x5C {
                if quoted, index + 1 < bytes.count, bytes[index + 1] == 0x22 { return index }
                index += 2
            } else {
                index += 1
            }
        }
        return bytes.count
    }

    /// The index just past a PEM footer after `start`, or of the end of the
    /// enclosing JSON string when the block was cut.
    func keyBlockEnd(from start: Int) -> Int {
        var index = start
        while index < bytes.count {
            if bytes[index] == 0x22 { return index }
            if bytes[index] == 0x5C {
                index += 2
                continue
            }
            if has("-----END", at: index) {
                var end = index + 8
                while end < bytes.count, bytes[end] == 0x20 || isUpper(bytes[end]) {
                    if has("PRIVATE KEY-----", at: end) { return end + 16 }
                    end += 1
                }
                return index
            }
            index += 1
        }
        return min(index, bytes.count)
    }
}
