import Foundation

/// JSON-RPC 2.0 over an agent's stdio, newline-delimited, as ACP speaks it.
///
/// One thread reads the agent's stdout: every line is first copied verbatim
/// to the transcript (the run's record of what the agent said, malformed
/// lines included), then a response wakes the request waiting for it and a
/// request from the agent goes to `onRequest` on a thread of its own (a
/// permission request may wait hours for a human).
final class ACPConnection: @unchecked Sendable {
    typealias Object = [String: Any]

    /// What a request got back: a result, or the agent's JSON-RPC error.
    enum Reply {
        case result(Object)
        case error(code: Int, message: String)
    }

    private let input: FileHandle
    private let output: FileHandle
    private let transcript: FileHandle
    private let condition = NSCondition()
    private var replies: [Int: Reply] = [:]
    private var nextID = 0
    private(set) var isClosed = false
    private let writeLock = NSLock()
    /// Answers a request the agent sent; nil result means "method not found".
    var onRequest: @Sendable (_ method: String, _ params: Object) -> Reply? = { _, _ in nil }

    init(agentInput: FileHandle, agentOutput: FileHandle, transcript: FileHandle) {
        input = agentInput
        output = agentOutput
        self.transcript = transcript
    }

    func startReading() {
        let thread = Thread { [self] in readLoop() }
        thread.start()
    }

    private func readLoop() {
        var buffer = Data()
        while true {
            let chunk = output.availableData
            if chunk.isEmpty { break }
            buffer.append(chunk)
            while let newline = buffer.firstIndex(of: 0x0A) {
                let line = buffer[buffer.startIndex..<newline]
                buffer = Data(buffer[buffer.index(after: newline)...])
                handle(Data(line))
            }
        }
        if !buffer.isEmpty { handle(buffer) }
        condition.lock()
        isClosed = true
        condition.broadcast()
        condition.unlock()
    }

    private func handle(_ line: Data) {
        guard !line.allSatisfy({ $0 == 0x20 || $0 == 0x0D || $0 == 0x09 }) else { return }
        record(line)
        // A line that is not JSON-RPC stays in the transcript (the parser
        // reports it) and is otherwise ignored: one bad line is no reason
        // to abandon the run.
        guard let message = (try? JSONSerialization.jsonObject(with: line)) as? Object else { return }
        let id = message["id"].flatMap { ($0 as? Int) ?? ($0 as? NSNumber)?.intValue }
        if let method = message["method"] as? String {
            guard let id = message["id"] else { return }  // A notification: recorded, nothing to answer.
            // JSON values are plain data, handed to exactly one thread.
            let request = Unchecked(value: (id: id, params: message["params"] as? Object ?? [:]))
            Thread { [self] in
                let reply = onRequest(method, request.value.params)
                    ?? .error(code: -32601, message: "method not found: \(method)")
                respond(to: request.value.id, reply)
            }.start()
        } else if let id {
            let reply: Reply = (message["error"] as? Object).map {
                .error(code: ($0["code"] as? Int) ?? -32603, message: ($0["message"] as? String) ?? "error")
            } ?? .result(message["result"] as? Object ?? [:])
            condition.lock()
            replies[id] = reply
            condition.broadcast()
            condition.unlock()
        }
    }

    /// Appends one line to the transcript as it arrives.
    func record(_ line: Data) {
        writeLock.lock()
        defer { writeLock.unlock() }
        transcript.write(line + Data([0x0A]))
    }

    /// Sends a request and returns its id; `wait(for:)` gets the reply.
    func send(_ method: String, _ params: Object) -> Int {
        condition.lock()
        let id = nextID
        nextID += 1
        condition.unlock()
        write(["jsonrpc": "2.0", "id": id, "method": method, "params": params])
        return id
    }

    func notify(_ method: String, _ params: Object) {
        write(["jsonrpc": "2.0", "method": method, "params": params])
    }

    /// The reply to request `id`; nil once the agent closed its stdout
    /// without answering, or when `until` passes, or when `interrupt` says so.
    func wait(for id: Int, until deadline: Date = .distantFuture, interrupt: () -> Bool = { false }) -> Reply? {
        condition.lock()
        defer { condition.unlock() }
        while replies[id] == nil, !isClosed, Date() < deadline, !interrupt() {
            _ = condition.wait(until: min(deadline, Date().addingTimeInterval(0.1)))
        }
        return replies.removeValue(forKey: id)
    }

    private func respond(to id: Any, _ reply: Reply) {
        var message: Object = ["jsonrpc": "2.0", "id": id]
        switch reply {
        case .result(let result): message["result"] = result
        case .error(let code, let text): message["error"] = ["code": code, "message": text]
        }
        write(message)
    }

    private func write(_ message: Object) {
        guard let data = try? JSONSerialization.data(withJSONObject: message, options: [.withoutEscapingSlashes]) else {
            return
        }
        writeLock.lock()
        defer { writeLock.unlock() }
        // The agent may be gone; a closed pipe must not kill us (SIGPIPE is ignored).
        try? input.write(contentsOf: data + Data([0x0A]))
    }
}

/// A value moved to another thread that alone uses it from then on.
struct Unchecked<Value>: @unchecked Sendable {
    let value: Value
}
