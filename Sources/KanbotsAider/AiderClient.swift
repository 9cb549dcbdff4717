import Foundation
import KanbotsAgents
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import KanbotsSystem

/// `git-kanbots aider-client`: runs Aider once, as the supervisor gave it
/// (one-shot `--message` and its flags, maybe inside bubblewrap), in the
/// run's worktree and turns its plain-text output into the NDJSON transcript
/// `AiderStreamParser` reads. Aider commits its edits on the worktree's
/// branch itself (its git integration); its token and cost reports meter
/// the run.
public struct AiderClient {
    public var program: String
    public var arguments: [String]

    public init(program: String, arguments: [String]) {
        self.program = program
        self.arguments = arguments
    }

    /// Runs Aider to its end; returns its exit status.
    public func run(transcript: FileHandle = .standardOutput) throws -> Int32 {
        var output: [Int32] = [0, 0]
        guard pipe(&output) == 0 else { throw ClientError("cannot make a pipe") }
        var environment = ProcessInfo.processInfo.environment
        // litellm fetches its price list from the internet on import unless told not to.
        if environment["LITELLM_LOCAL_MODEL_COST_MAP"] == nil { environment["LITELLM_LOCAL_MODEL_COST_MAP"] = "True" }
        var spec = ProcessSpec(executable: program, arguments: arguments, environment: environment)
        spec.standardOutput = .descriptor(output[1])
        spec.standardError = .descriptor(2)
        let pid = try ProcessLauncher.spawn(spec)
        close(output[1])
        let reader = FileHandle(fileDescriptor: output[0], closeOnDealloc: true)
        var text: [String] = []
        var sessionCost: Double?
        func write(_ object: [String: Any]) {
            guard let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]) else { return }
            transcript.write(data + Data([0x0A]))
        }
        func flush() {
            let block = text.joined(separator: "\n").trimmingCharacters(in: .whitespacesAndNewlines)
            if !block.isEmpty { write(["type": "aider_output", "text": block]) }
            text.removeAll()
        }
        var buffer = Data()
        func handle(_ line: String) {
            guard let report = AiderStreamParser.tokenReport(line) else { return text.append(line) }
            flush()
            if let session = report.session { sessionCost = session }
            write(["type": "aider_usage", "sent": report.sent, "received": report.received,
                   "message_cost_usd": report.message as Any? ?? NSNull(),
                   "session_cost_usd": report.session as Any? ?? NSNull()])
        }
        while true {
            let chunk = reader.availableData
            if chunk.isEmpty { break }
            buffer.append(chunk)
            while let newline = buffer.firstIndex(of: 0x0A) {
                handle(String(decoding: buffer[buffer.startIndex..<newline], as: UTF8.self))
                buffer = Data(buffer[buffer.index(after: newline)...])
            }
        }
        if !buffer.isEmpty { handle(String(decoding: buffer, as: UTF8.self)) }
        flush()
        let status: Int32
        switch ExitStatus.wait(pid) {
        case .exited(let code): status = code
        case .signaled(let signal): status = 128 + signal
        }
        write(["type": "aider_result", "exit_status": Int(status), "session_cost_usd": sessionCost as Any? ?? NSNull()])
        return status
    }

    public struct ClientError: Error, CustomStringConvertible {
        public var description: String
        init(_ description: String) { self.description = description }
    }
}
