/// A run's ports: `count` consecutive ports from `first`, handed to its
/// setup commands, services and agent (`KANBOTS_PORT`…), kept in the record
/// as `Ports: 20010-20019`.
public struct PortBlock: Sendable, Equatable, Hashable, CustomStringConvertible {
    public var first: Int
    public var count: Int

    public var last: Int { first + count - 1 }

    public init(first: Int, count: Int) {
        self.first = first
        self.count = count
    }

    /// "20010-20019", as `description` writes it; nil for anything else.
    public init?(_ text: String) {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 2, let first = Int(parts[0]), let last = Int(parts[1]),
              first >= 0, last >= first else { return nil }
        self.init(first: first, count: last - first + 1)
    }

    public var description: String { "\(first)-\(last)" }

    public func overlaps(_ other: PortBlock) -> Bool { first <= other.last && other.first <= last }
}
