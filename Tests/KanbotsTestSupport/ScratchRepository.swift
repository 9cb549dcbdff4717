import Foundation
import KanbotsStore

/// A throwaway repository with one commit, made with the real git, opened
/// as git-kanbots opens one: what the unit suites below the CLI (Store,
/// Environment) work on, without the built programs.
public final class ScratchRepository {
    public let path: String

    public init() throws {
        path = NSTemporaryDirectory() + "kanbots-unit-tests-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        try Data("hello\n".utf8).write(to: URL(fileURLWithPath: path + "/README"))
        try git("init", "-q", "-b", "main")
        try git("config", "user.name", "T")
        try git("config", "user.email", "t@example.invalid")
        try git("add", "README")
        try git("commit", "-q", "-m", "init")
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    public func open() throws -> KanbotsRepository { try KanbotsRepository(discoveringFrom: path) }

    public func write(_ text: String, to relativePath: String) throws {
        let url = URL(fileURLWithPath: path + "/" + relativePath)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(text.utf8).write(to: url)
    }

    /// Commits every change in the main checkout; returns the new commit.
    @discardableResult
    public func commitAll(_ message: String) throws -> String {
        try git("add", "-A")
        try git("commit", "-q", "-m", message)
        return try git("rev-parse", "HEAD")
    }

    @discardableResult
    public func git(_ arguments: String...) throws -> String { try git(arguments) }

    /// Runs git in the repository; throws with its stderr when it fails.
    @discardableResult
    public func git(_ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["git", "-C", path] + arguments
        let output = Pipe(), errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        let complaint = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw ScratchFailure("git \(arguments.joined(separator: " ")): \(String(decoding: complaint, as: UTF8.self))")
        }
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}

public struct ScratchFailure: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
