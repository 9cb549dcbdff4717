import CLibGit2

/// A failure reported by libgit2, with its error code kept so callers can
/// tell contention (`isContention`) from real errors.
public struct GitError: Error, CustomStringConvertible, Sendable {
    public let code: Int32
    public let operation: String
    public let message: String

    init(code: Int32, operation: String) {
        self.code = code
        self.operation = operation
        if let last = git_error_last(), let text = last.pointee.message {
            message = String(cString: text)
        } else {
            message = "libgit2 error \(code)"
        }
    }

    public var description: String { "\(operation): \(message)" }

    public var isNotFound: Bool { code == GIT_ENOTFOUND.rawValue }
    public var exists: Bool { code == GIT_EEXISTS.rawValue }
    /// True when another writer got there first: a held lock file or a ref
    /// whose value changed under us. Both mean "read again and retry".
    public var isContention: Bool {
        code == GIT_ELOCKED.rawValue || code == GIT_EMODIFIED.rawValue
    }
}

/// Runs a libgit2 call and turns a negative result into a `GitError`.
func check(_ operation: @autoclosure () -> String, _ result: Int32) throws {
    guard result >= 0 else { throw GitError(code: result, operation: operation()) }
}
