import Foundation
import Testing

/// Our own errors: a non-zero exit, exactly one line on stderr starting with
/// `git-kanbots: `, no usage dump, no crash report; the line says what it is about.
func expectCleanError(_ result: CommandResult, mentioning fragments: String...,
                      sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(!result.signaled, "crashed: \(result)", sourceLocation: sourceLocation)
    #expect(result.status != 0, "expected a failure: \(result)", sourceLocation: sourceLocation)
    #expect(result.stderrLines.count == 1, "expected one line on stderr: \(result)", sourceLocation: sourceLocation)
    #expect(result.stderr.hasPrefix("git-kanbots: "), "expected `git-kanbots: ...`: \(result)",
            sourceLocation: sourceLocation)
    for noise in ["Usage:", "Fatal error", "Stack dump", "Current stack trace", "Error: "] {
        #expect(!result.stderr.contains(noise), "stderr has '\(noise)': \(result)", sourceLocation: sourceLocation)
    }
    for fragment in fragments {
        #expect(result.stderr.contains(fragment), "stderr does not mention '\(fragment)': \(result)",
                sourceLocation: sourceLocation)
    }
}

/// Runs `body` and checks that refs, registered worktrees and `.kanbots/`
/// files are exactly as before.
@discardableResult
func expectStateUnchanged<T>(_ sandbox: Sandbox, in directory: String? = nil,
                             sourceLocation: SourceLocation = #_sourceLocation,
                             _ body: () throws -> T) throws -> T {
    let before = try sandbox.stateFingerprint(of: directory)
    let value = try body()
    let after = try sandbox.stateFingerprint(of: directory)
    #expect(before == after, "state changed", sourceLocation: sourceLocation)
    return value
}

/// Fails the test with `result` unless it succeeded.
func expectSuccess(_ result: CommandResult, sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(result.succeeded, "\(result)", sourceLocation: sourceLocation)
}

/// Suites that start dozens of processes or time their kills run one at a
/// time, so they neither starve each other nor measure each other's load.
@Suite(.serialized) enum HeavySuites {}
