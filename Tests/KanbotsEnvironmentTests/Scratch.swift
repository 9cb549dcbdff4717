import Foundation
import KanbotsStore

/// A throwaway repository with one commit, made with the real git, opened
/// as git-kanbots opens one.
final class ScratchRepository {
    let path: String

    init() throws {
        path = NSTemporaryDirectory() + "kanbots-environment-tests-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        try Data("hello\n".utf8).write(to: URL(fileURLWithPath: path + "/README"))
        try git("init", "-q", "-b", "main")
        try git("-c", "user.name=T", "-c", "user.email=t@example.invalid", "add", "README")
        try git("-c", "user.name=T", "-c", "user.email=t@example.invalid", "commit", "-q", "-m", "init")
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    func open() throws -> KanbotsRepository { try KanbotsRepository(discoveringFrom: path) }

    func write(_ text: String, to relativePath: String) throws {
        let url = URL(fileURLWithPath: path + "/" + relativePath)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(text.utf8).write(to: url)
    }

    @discardableResult
    func git(_ arguments: String...) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["git", "-C", path] + arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw CocoaError(.executableLoad) }
        return String(decoding: output, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
