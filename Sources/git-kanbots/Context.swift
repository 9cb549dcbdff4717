import ArgumentParser
import Foundation
import KanbotsCore
import KanbotsStore

/// Opens the repository the command was run in (any worktree of it).
func openRepository() throws -> KanbotsRepository {
    try KanbotsRepository(discoveringFrom: FileManager.default.currentDirectoryPath)
}

/// Opens the repository and insists it was set up with `init`.
func openInitializedRepository() throws -> KanbotsRepository {
    let repository = try openRepository()
    guard Settings(repository).isInitialized else { throw KanbotsError.notInitialized }
    return repository
}

/// Parses a card number as typed, with our own one-line error.
func parseCardNumber(_ text: String) throws -> Int {
    let trimmed = text.hasPrefix("#") ? String(text.dropFirst()) : text
    guard let number = Int(trimmed), number > 0 else { throw KanbotsError.badCardNumber(text) }
    return number
}

func printJSON<T: Encodable>(_ value: T) throws {
    let encoder = JSONEncoder.kanbots
    encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
    encoder.keyEncodingStrategy = .custom { path in SnakeCaseKey.converting(path[path.count - 1]) }
    print(String(decoding: try encoder.encode(value), as: UTF8.self))
}

func formatCost(_ usd: Double) -> String { String(format: "$%.2f", usd) }

func formatDuration(_ seconds: TimeInterval) -> String {
    let total = Int(max(0, seconds))
    if total < 60 { return "\(total)s" }
    if total < 3600 { return "\(total / 60)m\(String(format: "%02d", total % 60))s" }
    return "\(total / 3600)h\(String(format: "%02d", total / 60 % 60))m"
}

/// Pads or cuts text to a column width, counting characters.
func column(_ text: String, _ width: Int) -> String {
    text.count > width ? String(text.prefix(width - 1)) + "…" : text + String(repeating: " ", count: width - text.count)
}

/// `createdAt` → `created_at`, `costUSD` → `cost_usd`, cached: Foundation's
/// own snake-casing runs per key per object and dominated `board --json`.
struct SnakeCaseKey: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }

    private static let cache = SnakeCaseCache()

    static func converting(_ key: CodingKey) -> CodingKey {
        key.intValue != nil ? key : SnakeCaseKey(stringValue: cache.snakeCased(key.stringValue))
    }
}

private final class SnakeCaseCache: @unchecked Sendable {
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
