import Dispatch

/// Runs a piece of work on another thread at once; `wait()` returns what
/// it returned or rethrows what it threw. Used where a command has two
/// independent things to do, such as fetching while listing refs, or
/// writing the run snapshot while printing the board.
public final class BackgroundWork<Value: Sendable>: @unchecked Sendable {
    // Written once by the worker before `done` is signalled, read after.
    private var result: Result<Value, any Error>?
    private let done = DispatchSemaphore(value: 0)

    public init(_ work: @escaping @Sendable () throws -> Value) {
        DispatchQueue.global().async {
            self.result = Result(catching: work)
            self.done.signal()
        }
    }

    public func wait() throws -> Value {
        done.wait()
        return try result!.get()
    }
}

/// Hands a value that is not `Sendable` to one other thread, when the
/// caller guarantees nothing changes it meanwhile.
struct UncheckedSendable<Value>: @unchecked Sendable {
    let value: Value
}
