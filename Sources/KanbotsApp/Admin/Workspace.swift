import Foundation
import KanbotsCore
import KanbotsStore

/// Opens the repository at `path` (any worktree of it; default: the current folder).
public func openRepository(at path: String = FileManager.default.currentDirectoryPath) throws -> KanbotsRepository {
    try KanbotsRepository(discoveringFrom: path)
}

/// Opens the repository and insists it was set up with `init`.
public func openInitializedRepository(at path: String = FileManager.default.currentDirectoryPath) throws
    -> KanbotsRepository
{
    let repository = try openRepository(at: path)
    guard Settings(repository).isInitialized else { throw KanbotsError.notInitialized }
    return repository
}

/// Parses a card number as typed (`42` or `#42`), with our own one-line error.
public func parseCardNumber(_ text: String) throws -> Int {
    let trimmed = text.hasPrefix("#") ? String(text.dropFirst()) : text
    guard let number = Int(trimmed), number > 0 else { throw KanbotsError.badCardNumber(text) }
    return number
}

/// `$1.50`: money as every front end shows it.
public func formatCost(_ usd: Double) -> String { String(format: "$%.2f", usd) }

/// `42s`, `3m07s`, `2h05m`: elapsed time as every front end shows it.
public func formatDuration(_ seconds: TimeInterval) -> String {
    let total = Int(max(0, seconds))
    if total < 60 { return "\(total)s" }
    if total < 3600 { return "\(total / 60)m\(String(format: "%02d", total % 60))s" }
    return "\(total / 3600)h\(String(format: "%02d", total / 60 % 60))m"
}
