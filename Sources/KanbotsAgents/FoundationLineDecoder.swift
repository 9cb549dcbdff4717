import KanbotsCore

/// Agent stream lines read by Foundation's `JSONDecoder` instead of
/// `DynamicJSON`, when `KANBOTS_JSON_DECODER=foundation` (long strings are
/// still kept escaped by `LargeJSONString`; `=whole` turns that off instead).
///
/// Kept so scripts/bench-json.sh can measure, on the same transcript and
/// through the same parsers, what each hand-written piece saves. It yields
/// the values `DynamicJSON` does (integers that fit as `Int`, other numbers
/// as `Double`, `DynamicJSON.null`), so the parsers see no difference.
/// `JSONDecoder`, unlike `JSONSerialization`, is in FoundationEssentials,
/// which is all the supervisor links.
enum FoundationLineDecoder {
    private static let choice = ProcessInfo.processInfo.environment["KANBOTS_JSON_DECODER"]
    /// Whether this process reads agent lines with `JSONDecoder`.
    static let isSelected = choice == "foundation"
    /// `KANBOTS_JSON_DECODER=whole`: `DynamicJSON` alone, decoding long
    /// strings whole instead of keeping them escaped (`LargeJSONString`), so
    /// the benchmark can tell what each of the two saves.
    static let decodesLongStringsWhole = choice == "whole"

    static func parse(_ line: Data) throws -> Any {
        try JSONDecoder().decode(Value.self, from: line).plain
    }

    /// Any JSON value, decoded by trying each kind in turn (JSON has no tag).
    private enum Value: Decodable {
        case null, bool(Bool), int(Int), double(Double), string(String)
        case array([Value]), object([String: Value])

        init(from decoder: any Decoder) throws {
            let single = try decoder.singleValueContainer()
            if single.decodeNil() { self = .null }
            else if let flag = try? single.decode(Bool.self) { self = .bool(flag) }
            else if let number = try? single.decode(Int.self) { self = .int(number) }
            else if let number = try? single.decode(Double.self) { self = .double(number) }
            else if let text = try? single.decode(String.self) { self = .string(text) }
            else if let array = try? single.decode([Value].self) { self = .array(array) }
            else { self = .object(try single.decode([String: Value].self)) }
        }

        var plain: Any {
            switch self {
            case .null: DynamicJSON.null
            case .bool(let flag): flag
            case .int(let number): number
            case .double(let number): number
            case .string(let text): text
            case .array(let array): array.map(\.plain)
            case .object(let object): object.mapValues(\.plain)
            }
        }
    }
}
