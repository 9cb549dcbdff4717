/// A run's identity: a number counted per clone and the clone's tag.
///
/// Runs are created offline in many clones that later exchange history, so a
/// bare counter would collide. The clone tag (four characters chosen at random
/// when a clone first dispatches, kept in `kanbots.clone`) partitions the
/// number space; within one clone the number is claimed by atomically creating
/// the run's ref, so concurrent dispatches cannot collide either.
/// Text form: `7-k3qz`.
public struct RunID: Hashable, Sendable, Comparable, CustomStringConvertible, Codable {
    public let number: Int
    public let clone: CloneTag

    public init(number: Int, clone: CloneTag) {
        self.number = number
        self.clone = clone
    }

    /// Parses `7-k3qz`.
    public init?(_ text: String) {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 2, let number = Int(parts[0]), number > 0, String(number) == parts[0],
              let clone = CloneTag(String(parts[1])) else { return nil }
        self.init(number: number, clone: clone)
    }

    public var description: String { "\(number)-\(clone)" }

    public static func < (lhs: RunID, rhs: RunID) -> Bool {
        (lhs.number, lhs.clone.value) < (rhs.number, rhs.clone.value)
    }

    public init(from decoder: Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let id = RunID(text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "bad run id \(text)"))
        }
        self = id
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

/// Four lowercase letters or digits, starting with a letter, naming one clone.
public struct CloneTag: Hashable, Sendable, CustomStringConvertible {
    public let value: String
    static let alphabet = Array("abcdefghjkmnpqrstuvwxyz23456789")

    public init?(_ value: String) {
        guard value.count == 4, let first = value.first, first.isLetter,
              value.allSatisfy({ Self.alphabet.contains($0) }) else { return nil }
        self.value = value
    }

    /// A fresh random tag: about 600,000 possibilities, and a clash between
    /// two clones is detected when their histories meet (docs/state-format.md).
    public static func random() -> CloneTag {
        var generator = SystemRandomNumberGenerator()
        let letters = alphabet.filter(\.isLetter)
        var text = String(letters.randomElement(using: &generator)!)
        for _ in 0..<3 { text.append(alphabet.randomElement(using: &generator)!) }
        return CloneTag(text)!
    }

    public var description: String { value }
}
