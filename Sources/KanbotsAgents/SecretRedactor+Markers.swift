extension SecretRedactor {
    /// One pass over the bytes, looking only for the fixed text each rule
    /// needs before it can match. Cheap enough to run on every line; the
    /// regular expressions, which are not, only see lines that pass it.
    static func markers(in bytes: UnsafeBufferPointer<UInt8>) -> SecretMarkers {
        var found: SecretMarkers = []
        let count = bytes.count
        var index = 0
        while index < count {
            switch bytes[index] {
            case UInt8(ascii: "s"):
                if matches(bytes, at: index + 1, "k-"), atBoundary(bytes, index) { found.insert(.prefixedToken) }
            case UInt8(ascii: "g"):
                let isGitHubToken = index + 3 < count && bytes[index + 1] == UInt8(ascii: "h")
                    && bytes[index + 3] == UInt8(ascii: "_") && "pousr".utf8.contains(bytes[index + 2])
                if isGitHubToken || matches(bytes, at: index + 1, "ithub_pat_") { found.insert(.prefixedToken) }
            case UInt8(ascii: "A"):
                if matches(bytes, at: index + 1, "KIA") || matches(bytes, at: index + 1, "SIA") {
                    found.insert(.prefixedToken)
                }
            case UInt8(ascii: "x"):
                if matches(bytes, at: index + 1, "ox"), index + 4 < count, bytes[index + 4] == UInt8(ascii: "-") {
                    found.insert(.prefixedToken)
                }
            case UInt8(ascii: "b"), UInt8(ascii: "B"):
                if matches(bytes, at: index + 1, "earer", ignoringCase: true) { found.insert(.bearer) }
            case UInt8(ascii: "-"):
                if matches(bytes, at: index + 1, "----BEGIN") { found.insert(.privateKey) }
            case UInt8(ascii: "\""):
                if endsWithSecretKey(bytes, before: index) { found.insert(.jsonField) }
            case UInt8(ascii: "="):
                if endsWithSecretKey(bytes, before: index) { found.insert(.assignment) }
            default:
                break
            }
            index += 1
        }
        return found
    }

    /// Whether `text` occurs at `start`.
    private static func matches(
        _ bytes: UnsafeBufferPointer<UInt8>, at start: Int, _ text: StaticString, ignoringCase: Bool = false
    ) -> Bool {
        let length = text.utf8CodeUnitCount
        guard start + length <= bytes.count else { return false }
        let expected = text.utf8Start
        for offset in 0..<length {
            var byte = bytes[start + offset]
            if ignoringCase, byte >= UInt8(ascii: "A"), byte <= UInt8(ascii: "Z") { byte |= 0x20 }
            if byte != expected[offset] { return false }
        }
        return true
    }

    /// Mirrors the rules' boundary: no word character before, unless it ends
    /// a JSON escape like "\n".
    private static func atBoundary(_ bytes: UnsafeBufferPointer<UInt8>, _ index: Int) -> Bool {
        guard index > 0 else { return true }
        let previous = bytes[index - 1]
        if index > 1, bytes[index - 2] == UInt8(ascii: "\\") { return true }
        return !isWordByte(previous)
    }

    private static func isWordByte(_ byte: UInt8) -> Bool {
        (byte >= 0x30 && byte <= 0x39) || (byte | 0x20 >= 0x61 && byte | 0x20 <= 0x7A) || byte == 0x5F
    }

    private static let secretKeyEndings: [[UInt8]] = ["key", "token", "secret", "password", "passwd"].map {
        Array($0.utf8)
    }

    /// Whether the text just before `index` (skipping one backslash, for an
    /// escaped quote) ends with a secret-like name, in any case.
    private static func endsWithSecretKey(_ bytes: UnsafeBufferPointer<UInt8>, before index: Int) -> Bool {
        var end = index
        if end > 0, bytes[end - 1] == UInt8(ascii: "\\") { end -= 1 }
        for ending in secretKeyEndings where end >= ending.count {
            var matched = true
            for (offset, expected) in ending.enumerated() {
                var byte = bytes[end - ending.count + offset]
                if byte >= UInt8(ascii: "A"), byte <= UInt8(ascii: "Z") { byte |= 0x20 }
                if byte != expected {
                    matched = false
                    break
                }
            }
            if matched { return true }
        }
        return false
    }
}
