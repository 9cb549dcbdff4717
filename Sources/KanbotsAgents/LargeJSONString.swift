import KanbotsCore

/// A long JSON string value kept in its escaped form.
///
/// Most of a transcript's bytes sit in a few huge strings (tool output, file
/// contents), and having Foundation decode every one of them into a `String`
/// costs more than everything else the supervisor does per line, while the
/// parsers only want their size, line count and first 200 characters. Those
/// are computed by one scan of the escaped bytes; the string is decoded only
/// if a parser asks for all of it.
///
/// Measured: `git kanbots log` of a 50 MB Claude transcript (one tool
/// result in 40 a 1-3 MB file) costs 82 ms of CPU against 218 ms with long
/// strings decoded whole (KANBOTS_JSON_DECODER=whole), 2.6x, in /dev/shm;
/// 79 against 214 ms (2.7x) on disk. The supervisor of that run: 0.697 s
/// against 0.847 s (1.22x). scripts/bench-json.sh (`BENCH_DIR=/dev/shm
/// scripts/bench-json.sh`) on Linux x86_64, 2 shared AMD EPYC cores, Swift
/// 6.3.1, release build, Dec 2026: CPU time (user + system), median of 5.
struct LargeJSONString: Sendable {
    /// The escaped contents, without the surrounding quotes.
    let literal: Data
    /// UTF-8 size of the decoded text.
    let decodedByteCount: Int
    /// Lines in the decoded text, counted as `String.lineCount` does.
    let lineCount: Int

    /// The full decoded text.
    func decoded() -> String {
        Self.decode(literal) ?? String(decoding: literal, as: UTF8.self)
    }

    /// The first `limit` characters, with "…" when something was cut;
    /// the same as `decoded().abbreviated(to: limit)`, without decoding it all.
    func abbreviated(to limit: Int) -> String {
        let cut = Self.safeCut(literal, near: max(limit * 16, 1024))
        guard cut < literal.count else { return decoded().abbreviated(to: limit) }
        let head = Self.decode(literal.prefix(cut)) ?? ""
        let preview = head.abbreviated(to: limit)
        return preview.hasSuffix("…") ? preview : preview + "…"
    }

    private static func decode(_ escaped: Data) -> String? {
        var quoted = Data(capacity: escaped.count + 2)
        quoted.append(0x22)
        quoted.append(escaped)
        quoted.append(0x22)
        if FoundationLineDecoder.isSelected { return try? JSONDecoder().decode(String.self, from: quoted) }
        return (try? DynamicJSON.parse(quoted)) as? String
    }

    /// The largest prefix length not above `limit` that ends between whole
    /// escape sequences (a surrogate pair counts as one) and whole UTF-8 characters.
    private static func safeCut(_ literal: Data, near limit: Int) -> Int {
        guard literal.count > limit else { return literal.count }
        return literal.withUnsafeBytes { raw in
            let bytes = raw.bindMemory(to: UInt8.self)
            var index = 0
            var lastBoundary = 0
            while index < limit {
                lastBoundary = index
                let byte = bytes[index]
                if byte == UInt8(ascii: "\\") {
                    let isPair = index + 11 < bytes.count && bytes[index + 1] == UInt8(ascii: "u")
                        && (bytes[index + 2] | 0x20) == UInt8(ascii: "d") && bytes[index + 6] == UInt8(ascii: "\\")
                    index += bytes[index + 1] != UInt8(ascii: "u") ? 2 : (isPair ? 12 : 6)
                } else if byte < 0x80 {
                    index += 1
                } else {
                    index += byte >= 0xF0 ? 4 : byte >= 0xE0 ? 3 : 2
                }
            }
            return index == limit ? limit : lastBoundary
        }
    }
}

// MARK: - Eliding large strings before parsing

/// Decoded in place of an elided string; the index follows the prefix.
let elisionMarker = "\u{0}kanbots-elided:"
/// Lines shorter than this are parsed as they are.
let elisionLineThreshold = 16 * 1024
/// String values with at least this many escaped bytes are elided.
let elisionStringThreshold = 4 * 1024

/// The line with every long string value replaced by a short marker, and
/// the strings taken out; nil when there was nothing to take out, or when
/// the line is not well formed enough to be sure (Foundation then judges it).
func elidingLargeStrings(in line: Data) -> (skeleton: Data, strings: [LargeJSONString])? {
    line.withUnsafeBytes { raw -> (Data, [LargeJSONString])? in
        let bytes = raw.bindMemory(to: UInt8.self)
        var skeleton = [UInt8]()
        var strings: [LargeJSONString] = []
        var copiedUpTo = 0
        var index = 0
        while index < bytes.count {
            guard bytes[index] == UInt8(ascii: "\"") else {
                index += 1
                continue
            }
            let start = index + 1
            guard let scan = scanString(bytes, from: start) else { return nil }
            index = scan.end + 1
            guard scan.end - start >= elisionStringThreshold, !isFollowedByColon(bytes, from: index) else { continue }
            if skeleton.isEmpty { skeleton.reserveCapacity(4096) }
            skeleton.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[copiedUpTo..<start]))
            skeleton.append(contentsOf: Array(#"\u0000kanbots-elided:\#(strings.count)"#.utf8))
            copiedUpTo = scan.end
            strings.append(LargeJSONString(
                literal: line[line.startIndex + start..<line.startIndex + scan.end],
                decodedByteCount: scan.decodedByteCount,
                lineCount: scan.decodedByteCount == 0 ? 0 : scan.newlineCount + (scan.endsWithNewline ? 0 : 1)
            ))
        }
        guard !strings.isEmpty else { return nil }
        skeleton.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[copiedUpTo...]))
        return (Data(skeleton), strings)
    }
}

/// Puts the elided strings back into a decoded skeleton, as `LargeJSONString`s.
func restoringElidedStrings(in value: Any, _ strings: [LargeJSONString]) -> Any {
    switch value {
    case let text as String where text.hasPrefix(elisionMarker):
        guard let index = Int(text.dropFirst(elisionMarker.count)), strings.indices.contains(index) else { return text }
        return strings[index]
    case let object as JSONObject:
        return object.mapValues { restoringElidedStrings(in: $0, strings) }
    case let array as [Any]:
        return array.map { restoringElidedStrings(in: $0, strings) }
    default:
        return value
    }
}

private struct StringScan {
    var end: Int
    var decodedByteCount = 0
    var newlineCount = 0
    var endsWithNewline = false
}

/// Walks one string literal from just after its opening quote to its closing
/// quote, sizing its decoded form. Nil for anything JSON does not allow.
private func scanString(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int) -> StringScan? {
    var scan = StringScan(end: start)
    var index = start
    while index < bytes.count {
        let byte = bytes[index]
        if byte == UInt8(ascii: "\"") {
            scan.end = index
            return scan
        }
        if byte < 0x20 { return nil }
        guard byte == UInt8(ascii: "\\") else {
            scan.decodedByteCount += 1
            scan.endsWithNewline = false
            index += 1
            continue
        }
        guard index + 1 < bytes.count else { return nil }
        switch bytes[index + 1] {
        case UInt8(ascii: "n"):
            scan.decodedByteCount += 1
            scan.newlineCount += 1
            scan.endsWithNewline = true
            index += 2
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"), UInt8(ascii: "f"),
            UInt8(ascii: "r"), UInt8(ascii: "t"):
            scan.decodedByteCount += 1
            scan.endsWithNewline = false
            index += 2
        case UInt8(ascii: "u"):
            guard let unit = DynamicJSON.escapedUnit(in: bytes, at: index + 2) else { return nil }
            index += 6
            scan.endsWithNewline = unit == 0x0A
            if unit == 0x0A { scan.newlineCount += 1 }
            if (0xD800...0xDBFF).contains(unit), index + 5 < bytes.count, bytes[index] == UInt8(ascii: "\\"),
                bytes[index + 1] == UInt8(ascii: "u"), let low = DynamicJSON.escapedUnit(in: bytes, at: index + 2), (0xDC00...0xDFFF).contains(low)
            {
                scan.decodedByteCount += 4
                index += 6
            } else {
                // A lone surrogate decodes to U+FFFD, three bytes like the rest of the BMP above U+07FF.
                scan.decodedByteCount += unit < 0x80 ? 1 : unit < 0x800 ? 2 : 3
            }
        default:
            return nil
        }
    }
    return nil  // Unterminated: a truncated line.
}

/// Whether the next non-blank byte is ":", i.e. the string was an object key.
private func isFollowedByColon(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int) -> Bool {
    var index = start
    while index < bytes.count, bytes[index] == 0x20 || bytes[index] == 0x09 || bytes[index] == 0x0D {
        index += 1
    }
    return index < bytes.count && bytes[index] == UInt8(ascii: ":")
}
