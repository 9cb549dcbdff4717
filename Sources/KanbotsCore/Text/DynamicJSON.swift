/// JSON of unknown shape, as agents stream it, read into plain Swift values:
/// `[String: Any]`, `[Any]`, `String`, `Int` (integers that fit), `Double`,
/// `Bool` and `DynamicJSON.null`.
///
/// Why not `JSONSerialization`: it lives in full Foundation, which the
/// long-lived supervisor does not link (see PortableText.swift), and its
/// numbers arrive as Int, Double or NSNumber depending on the platform.
///
/// Why not `JSONDecoder` (in FoundationEssentials) into a `Decodable` enum
/// of any value: `git kanbots log` of a 50 MB Claude transcript (one tool
/// result in 40 a 1-3 MB file; long strings kept escaped by
/// `LargeJSONString` either way) costs 82 ms of CPU against 130 ms with it
/// (KANBOTS_JSON_DECODER=foundation), 1.58x, in /dev/shm; 79 against 126 ms
/// (1.59x) on disk. The supervisor, which also redacts and stores the
/// stream, spends 0.697 s on that transcript against 0.763 s (1.09x).
/// scripts/bench-json.sh (`BENCH_DIR=/dev/shm scripts/bench-json.sh`) on
/// Linux x86_64, 2 shared AMD EPYC cores, Swift 6.3.1, release build,
/// Dec 2026: CPU time (user + system), median of 5.
public enum DynamicJSON {
    /// JSON's `null`.
    public struct Null: Equatable, Sendable {}
    public static let null = Null()

    public struct SyntaxError: Error, Equatable, Sendable {
        /// Byte offset where the text stopped being JSON.
        public let offset: Int
    }

    /// Parses a whole JSON text. A top-level scalar is allowed.
    public static func parse(_ data: Data) throws -> Any {
        try data.withUnsafeBytes { raw in
            var reader = Reader(bytes: raw.bindMemory(to: UInt8.self))
            let value = try reader.value(depth: 0)
            reader.skipWhitespace()
            guard reader.index == reader.bytes.count else { throw SyntaxError(offset: reader.index) }
            return value
        }
    }

    /// Compact JSON text with sorted keys, escaping like `JSONSerialization`
    /// (`/` as `\/`), or nil for a value that is not JSON.
    public static func serialize(_ value: Any) -> String? {
        var output = ""
        return write(value, into: &output) ? output : nil
    }

    private static func write(_ value: Any, into output: inout String) -> Bool {
        switch value {
        case let text as String: writeString(text, into: &output)
        case let flag as Bool: output += flag ? "true" : "false"
        case let int as Int: output += String(int)
        case let double as Double:
            guard double.isFinite else { return false }
            output += double == double.rounded() && abs(double) < 1e15 ? String(Int(double)) : String(double)
        case is Null: output += "null"
        case let array as [Any]:
            output += "["
            for (index, element) in array.enumerated() {
                if index > 0 { output += "," }
                guard write(element, into: &output) else { return false }
            }
            output += "]"
        case let object as [String: Any]:
            output += "{"
            for (index, key) in object.keys.sorted().enumerated() {
                if index > 0 { output += "," }
                writeString(key, into: &output)
                output += ":"
                guard write(object[key]!, into: &output) else { return false }
            }
            output += "}"
        default: return false
        }
        return true
    }

    private static func writeString(_ text: String, into output: inout String) {
        output += "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": output += "\\\""
            case "\\": output += "\\\\"
            case "/": output += "\\/"
            case "\n": output += "\\n"
            case "\r": output += "\\r"
            case "\t": output += "\\t"
            case "\u{08}": output += "\\b"
            case "\u{0C}": output += "\\f"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                output += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: output.unicodeScalars.append(scalar)
            }
        }
        output += "\""
    }
}

extension DynamicJSON {
    /// The UTF-16 unit of the four hex digits of a `\uXXXX` escape
    /// starting at `start`, or nil when they are not four hex digits.
    public static func escapedUnit(in bytes: UnsafeBufferPointer<UInt8>, at start: Int) -> Int? {
        guard start >= 0, start + 4 <= bytes.count else { return nil }
        var value = 0
        for byte in bytes[start..<start + 4] {
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: return nil
            }
            value = value << 4 | Int(digit)
        }
        return value
    }
}

/// A recursive-descent reader over UTF-8 bytes.
private struct Reader {
    let bytes: UnsafeBufferPointer<UInt8>
    var index = 0
    // Deeper than any agent event; stops a hostile line from exhausting the stack.
    static let maximumDepth = 512

    init(bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

    func failure() -> DynamicJSON.SyntaxError { DynamicJSON.SyntaxError(offset: index) }

    mutating func skipWhitespace() {
        while index < bytes.count, bytes[index] == 0x20 || bytes[index] == 0x0A || bytes[index] == 0x0D || bytes[index] == 0x09 {
            index += 1
        }
    }

    mutating func value(depth: Int) throws -> Any {
        guard depth < Self.maximumDepth else { throw failure() }
        skipWhitespace()
        guard index < bytes.count else { throw failure() }
        switch bytes[index] {
        case UInt8(ascii: "{"): return try object(depth: depth)
        case UInt8(ascii: "["): return try array(depth: depth)
        case UInt8(ascii: "\""): return try string()
        case UInt8(ascii: "t"): try literal("true"); return true
        case UInt8(ascii: "f"): try literal("false"); return false
        case UInt8(ascii: "n"): try literal("null"); return DynamicJSON.null
        default: return try number()
        }
    }

    mutating func literal(_ word: StaticString) throws {
        let count = word.utf8CodeUnitCount
        guard index + count <= bytes.count else { throw failure() }
        for offset in 0..<count where bytes[index + offset] != word.utf8Start[offset] { throw failure() }
        index += count
    }

    mutating func object(depth: Int) throws -> [String: Any] {
        index += 1
        var result: [String: Any] = [:]
        skipWhitespace()
        if index < bytes.count, bytes[index] == UInt8(ascii: "}") { index += 1; return result }
        while true {
            skipWhitespace()
            guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { throw failure() }
            let key = try string()
            skipWhitespace()
            guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else { throw failure() }
            index += 1
            result[key] = try value(depth: depth + 1)
            guard try anotherElement(before: UInt8(ascii: "}")) else { return result }
        }
    }

    mutating func array(depth: Int) throws -> [Any] {
        index += 1
        var result: [Any] = []
        skipWhitespace()
        if index < bytes.count, bytes[index] == UInt8(ascii: "]") { index += 1; return result }
        while true {
            result.append(try value(depth: depth + 1))
            guard try anotherElement(before: UInt8(ascii: "]")) else { return result }
        }
    }

    /// After an element of an object or array: true past a `,` (another
    /// follows), false past `closing` (the end), else a syntax error.
    mutating func anotherElement(before closing: UInt8) throws -> Bool {
        skipWhitespace()
        guard index < bytes.count else { throw failure() }
        if bytes[index] == UInt8(ascii: ",") {
            index += 1
            return true
        }
        guard bytes[index] == closing else { throw failure() }
        index += 1
        return false
    }

    mutating func number() throws -> Any {
        let start = index
        var isInteger = true
        if index < bytes.count, bytes[index] == UInt8(ascii: "-") { index += 1 }
        let digitsStart = index
        while index < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[index]) { index += 1 }
        guard index > digitsStart else { throw failure() }
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            isInteger = false
            index += 1
            let fraction = index
            while index < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[index]) { index += 1 }
            guard index > fraction else { throw failure() }
        }
        if index < bytes.count, bytes[index] | 0x20 == UInt8(ascii: "e") {
            isInteger = false
            index += 1
            if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") { index += 1 }
            let exponent = index
            while index < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[index]) { index += 1 }
            guard index > exponent else { throw failure() }
        }
        let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
        if isInteger, let int = Int(text) { return int }
        guard let double = Double(text) else { throw failure() }
        return double
    }

    mutating func string() throws -> String {
        index += 1
        let start = index
        // The common case has no escapes: one copy, straight from the bytes.
        while index < bytes.count, bytes[index] != UInt8(ascii: "\""), bytes[index] != UInt8(ascii: "\\") {
            guard bytes[index] >= 0x20 else { throw failure() }
            index += 1
        }
        guard index < bytes.count else { throw failure() }
        if bytes[index] == UInt8(ascii: "\"") {
            index += 1
            return String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<index - 1]), as: UTF8.self)
        }
        var utf8 = Array(UnsafeBufferPointer(rebasing: bytes[start..<index]))
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                index += 1
                return String(decoding: utf8, as: UTF8.self)
            }
            guard byte >= 0x20 else { throw failure() }
            guard byte == UInt8(ascii: "\\") else { utf8.append(byte); index += 1; continue }
            guard index + 1 < bytes.count else { throw failure() }
            let escaped = bytes[index + 1]
            index += 2
            switch escaped {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): utf8.append(escaped)
            case UInt8(ascii: "n"): utf8.append(0x0A)
            case UInt8(ascii: "r"): utf8.append(0x0D)
            case UInt8(ascii: "t"): utf8.append(0x09)
            case UInt8(ascii: "b"): utf8.append(0x08)
            case UInt8(ascii: "f"): utf8.append(0x0C)
            case UInt8(ascii: "u"): utf8.append(contentsOf: try unicodeEscape())
            default: throw failure()
            }
        }
        throw failure()
    }

    /// The scalar of `\uXXXX` (the `\u` already read), joining a surrogate
    /// pair; a lone surrogate becomes U+FFFD rather than failing the line.
    mutating func unicodeEscape() throws -> String.UTF8View {
        let high = try hexQuad()
        var scalar = Unicode.Scalar(high)
        if (0xD800..<0xDC00).contains(high), index + 1 < bytes.count,
           bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u") {
            let mark = index
            index += 2
            let low = try hexQuad()
            if (0xDC00..<0xE000).contains(low) {
                scalar = Unicode.Scalar(0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00))
            } else {
                index = mark
            }
        }
        return String(Character(scalar ?? "\u{FFFD}")).utf8
    }

    mutating func hexQuad() throws -> UInt32 {
        guard let unit = DynamicJSON.escapedUnit(in: bytes, at: index) else { throw failure() }
        index += 4
        return UInt32(unit)
    }
}
