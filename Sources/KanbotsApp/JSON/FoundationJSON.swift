import Foundation
import KanbotsCore

/// `--json` output written by Foundation's `JSONEncoder` instead of
/// `JSONOutput`'s streaming writer, when `KANBOTS_JSON_ENCODER=foundation`.
///
/// Kept so scripts/bench-json.sh can measure what the hand-written writer
/// saves and check, on the same board, that both give equal JSON: the same
/// snake_case keys, dates in `Timestamp`'s form, `nil` as `null`.
/// Key order and whitespace may differ; the values may not.
enum FoundationJSON {
    /// Whether this process writes its JSON with `JSONEncoder`.
    static let isSelected = ProcessInfo.processInfo.environment["KANBOTS_JSON_ENCODER"] == "foundation"

    static func encode<T: Encodable>(_ value: T) throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .withoutEscapingSlashes]
        // Views name their keys in camelCase or already in snake_case, as
        // `JSONOutput` converts them; one converter keeps both writers equal.
        encoder.keyEncodingStrategy = .custom { path in
            SnakeKey(stringValue: SnakeCase.convert(path.last?.stringValue ?? ""))
        }
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(Timestamp.format(date))
        }
        return Array(try encoder.encode(value))
    }

    private struct SnakeKey: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }
}
