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

/// Prints a read command's `--json` output (see JSONOutput for its form).
func printJSON<T: Encodable>(_ value: T) throws {
    try JSONOutput.write(value, to: STDOUT_FILENO)
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
