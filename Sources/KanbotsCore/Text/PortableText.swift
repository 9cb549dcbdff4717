// The long-lived processes (the supervisor, the orchestrator) link only
// FoundationEssentials, to stay small. These are the few pieces of text
// handling they need that live in full Foundation, written on the C library
// so every module formats and trims the same way on Linux and macOS.

extension String {
    /// printf-style formatting through the C library, as `String(format:)`
    /// does for these conversions; integers need `%ld`.
    public init(printf format: String, _ arguments: CVarArg...) {
        var buffer = [CChar](repeating: 0, count: 128)
        let needed = withVaList(arguments) { vsnprintf(&buffer, buffer.count, format, $0) }
        if needed >= buffer.count {
            buffer = [CChar](repeating: 0, count: Int(needed) + 1)
            _ = withVaList(arguments) { vsnprintf(&buffer, buffer.count, format, $0) }
        }
        self = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

extension StringProtocol {
    /// Without leading and trailing whitespace and newlines.
    public func trimmed() -> String { trimming { $0.isWhitespace } }

    /// Without leading and trailing spaces and tabs; newlines stay.
    public func trimmingSpaces() -> String { trimming { $0.isWhitespace && !$0.isNewline } }

    /// Without leading and trailing characters from `characters`.
    public func trimming(charactersIn characters: String) -> String { trimming { characters.contains($0) } }

    private func trimming(while isTrimmed: (Character) -> Bool) -> String {
        guard let first = firstIndex(where: { !isTrimmed($0) }),
              let last = lastIndex(where: { !isTrimmed($0) }) else { return "" }
        return String(self[first...last])
    }
}

extension Data {
    /// Whether `needle` occurs in these bytes, found with the C library's
    /// `memchr` and `memcmp` (the generic `firstRange(of:)` is many times
    /// slower on Data, and `memmem` is not in every C library's headers).
    public func containsBytes(_ needle: [UInt8]) -> Bool {
        guard let first = needle.first else { return true }
        guard count >= needle.count else { return false }
        return withUnsafeBytes { haystack in
            needle.withUnsafeBytes { needle in
                var cursor = haystack.baseAddress!
                var remaining = haystack.count
                while remaining >= needle.count {
                    guard let hit = memchr(cursor, Int32(first), remaining - needle.count + 1) else { return false }
                    if memcmp(hit, needle.baseAddress!, needle.count) == 0 { return true }
                    let skipped = UnsafeRawPointer(hit) - cursor + 1
                    cursor += skipped
                    remaining -= skipped
                }
                return false
            }
        }
    }
}
