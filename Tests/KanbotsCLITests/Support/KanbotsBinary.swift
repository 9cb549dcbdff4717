import Foundation

/// A failure of the test machinery or of an expectation that cannot go on,
/// thrown so Swift Testing records it with its message.
struct TestFailure: Error, CustomStringConvertible, Sendable {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Where the `git-kanbots` executable under test is.
///
/// `KANBOTS_BINARY` wins; otherwise it is the `git-kanbots` built next to the
/// running test executable (the test target depends on the executable, so
/// `swift build`/`swift test` builds both into the same products folder).
enum KanbotsBinary {
    static let name = "git-kanbots"
    private static let located: Result<String, TestFailure> = locate()

    static func path() throws -> String { try located.get() }

    /// The folder holding the binary, for PATH (so `git kanbots` finds it).
    static func folder() throws -> String { (try path() as NSString).deletingLastPathComponent }

    private static func locate() -> Result<String, TestFailure> {
        if let configured = ProcessInfo.processInfo.environment["KANBOTS_BINARY"], !configured.isEmpty {
            return isExecutableFile(configured)
                ? .success(configured)
                : .failure(TestFailure("KANBOTS_BINARY=\(configured) is not an executable file"))
        }
        var searched: [String] = []
        for start in startingPoints() {
            var folder = (start as NSString).deletingLastPathComponent
            // Walk up from the test executable (or bundle) to the products folder.
            for _ in 0..<6 {
                let candidate = folder + "/" + name
                searched.append(folder)
                if isExecutableFile(candidate) { return .success(candidate) }
                let last = (folder as NSString).lastPathComponent
                if last == "debug" || last == "release" || folder == "/" { break }
                folder = (folder as NSString).deletingLastPathComponent
            }
        }
        return .failure(TestFailure(
            "cannot find the \(name) executable (looked in \(searched.joined(separator: ", "))); "
                + "build it with `swift build` or set KANBOTS_BINARY=/path/to/\(name)"))
    }

    private static func startingPoints() -> [String] {
        var points: [String] = []
        #if os(Linux)
        if let exe = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") { points.append(exe) }
        #endif
        points += Bundle.allBundles.map(\.bundlePath).filter { $0.hasSuffix(".xctest") }
        if let first = CommandLine.arguments.first { points.append(first) }
        return points
    }

    static func isExecutableFile(_ path: String) -> Bool {
        var info = stat()
        return access(path, X_OK) == 0 && stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFREG
    }
}
