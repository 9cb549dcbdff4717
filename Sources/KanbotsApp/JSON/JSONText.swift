import Foundation
import KanbotsCore

// The pieces `JSONOutput` writes with: scalars as bytes, snake_case keys,
// and the protocol a view implements to write its fields without `Codable`'s
// containers. Kept with `JSONOutput`, for the figures in its header.

/// JSON scalars as bytes.
enum JSONText {
    static func appendDouble(_ number: Double, to bytes: inout [UInt8]) throws {
        guard number.isFinite else {
            throw EncodingError.invalidValue(number, .init(codingPath: [], debugDescription: "not a finite number"))
        }
        if number == number.rounded(), abs(number) < 1e15 { bytes += String(Int(number)).utf8 } else { bytes += "\(number)".utf8 }
    }

    static func appendString(_ text: String, to bytes: inout [UInt8]) {
        bytes.append(UInt8(ascii: "\""))
        var text = text
        text.withUTF8 { utf8 in
            // Most strings need no escaping: copy them in one go.
            guard utf8.contains(where: { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }) else {
                bytes.append(contentsOf: utf8)
                return
            }
            for byte in utf8 {
                switch byte {
                case UInt8(ascii: "\""): bytes += [UInt8(ascii: "\\"), UInt8(ascii: "\"")]
                case UInt8(ascii: "\\"): bytes += [UInt8(ascii: "\\"), UInt8(ascii: "\\")]
                case UInt8(ascii: "\n"): bytes += [UInt8(ascii: "\\"), UInt8(ascii: "n")]
                case UInt8(ascii: "\t"): bytes += [UInt8(ascii: "\\"), UInt8(ascii: "t")]
                case UInt8(ascii: "\r"): bytes += [UInt8(ascii: "\\"), UInt8(ascii: "r")]
                case 0..<0x20:
                    let hex = Array("0123456789abcdef".utf8)
                    bytes += [UInt8(ascii: "\\"), UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0"),
                              hex[Int(byte >> 4)], hex[Int(byte & 0xF)]]
                default: bytes.append(byte)
                }
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }
}

extension String.UTF8View {
    /// The bytes between double quotes (for text known to need no escaping).
    var withQuotes: [UInt8] { [UInt8(ascii: "\"")] + Array(self) + [UInt8(ascii: "\"")] }
}

/// `createdAt` → `created_at`, `costUSD` → `cost_usd`, `sessionID` →
/// `session_id`; computed once per distinct key.
enum SnakeCase {
    private static let cache = Cache()

    static func convert(_ key: String) -> String { cache.snakeCased(key) }

    private final class Cache: @unchecked Sendable {
        private let lock = NSLock()
        private var converted: [String: String] = [:]

        func snakeCased(_ key: String) -> String {
            lock.lock()
            defer { lock.unlock() }
            if let known = converted[key] { return known }
            var result = ""
            var previousWasUpper = false
            let characters = Array(key)
            for (index, character) in characters.enumerated() {
                let nextIsLower = index + 1 < characters.count && characters[index + 1].isLowercase
                if character.isUppercase {
                    if index > 0 && (!previousWasUpper || nextIsLower) { result.append("_") }
                    result.append(contentsOf: character.lowercased())
                    previousWasUpper = true
                } else {
                    result.append(character)
                    previousWasUpper = false
                }
            }
            converted[key] = result
            return result
        }
    }
}

/// A view that lists its own fields, under their JSON names, in order.
///
/// `board --json` prints thousands of runs; going through `Encodable`
/// costs a dynamic dispatch and a type check per field. A view that adopts
/// this is written by `JSONOutput` directly (specialised, no casts), and
/// still encodes through any other `Encoder` like a normal `Encodable`.
public protocol JSONFields: Encodable {
    func writeFields<Sink: JSONFieldSink>(to sink: inout Sink) throws
}

/// Where a `JSONFields` value writes its fields.
public protocol JSONFieldSink {
    mutating func field<Value: Encodable>(_ key: String, _ value: Value) throws
    /// Optional fields are written as `null` when absent, never left out.
    mutating func field<Wrapped: Encodable>(_ key: String, _ value: Wrapped?) throws
    /// A list of objects. The document's writer writes each without a dynamic
    /// cast (a pile-up's conflict group lists hundreds of runs).
    mutating func objects<Element: JSONFields>(_ key: String, _ values: [Element]) throws
}

extension JSONFieldSink {
    public mutating func objects<Element: JSONFields>(_ key: String, _ values: [Element]) throws {
        try field(key, values)
    }
}

extension JSONFields {
    public func encode(to encoder: any Encoder) throws {
        var sink = KeyedFieldSink(container: encoder.container(keyedBy: FieldKey.self))
        try writeFields(to: &sink)
    }
}

private struct FieldKey: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}

private struct KeyedFieldSink: JSONFieldSink {
    var container: KeyedEncodingContainer<FieldKey>
    mutating func field<Value: Encodable>(_ key: String, _ value: Value) throws {
        try container.encode(value, forKey: FieldKey(stringValue: key))
    }

    mutating func field<Wrapped: Encodable>(_ key: String, _ value: Wrapped?) throws {
        try container.encode(value, forKey: FieldKey(stringValue: key))
    }
}
