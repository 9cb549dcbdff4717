import Foundation
import KanbotsCore
import KanbotsMCP
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import KanbotsSystem

/// Set from the SIGTERM handler: the supervisor asks the run to stop.
nonisolated(unsafe) private var stopRequested: sig_atomic_t = 0

/// `git-kanbots acp-client`: runs one prompt of one run against an Agent
/// Client Protocol agent, on the supervisor's behalf.
///
/// It spawns the agent, `initialize`s, opens a session in the run's worktree
/// (`session/new`), asks for the model, sends the prompt and waits for its
/// `stopReason`, copying everything the agent says to standard output (the
/// run's transcript). Permission requests become questions on the run
/// (`git kanbots answer`); a stop from the supervisor (SIGTERM) sends
/// `session/cancel` before the agent gets a signal.
public struct ACPClient {
    public var program: String
    public var arguments: [String]
    public var prompt: String
    public var model: String?
    public var workingDirectory: String
    /// The run, for permission questions; nil answers every request "no".
    public var run: RunID?
    /// How long to wait for `initialize` and `session/new`.
    public var setupTimeout: TimeInterval = 120
    /// How long a cancelled prompt may take to answer before the agent is ended.
    public var cancelGrace: TimeInterval = 2

    public init(program: String, arguments: [String], prompt: String, model: String?, workingDirectory: String,
                run: RunID?) {
        self.program = program
        self.arguments = arguments
        self.prompt = prompt
        self.model = model
        self.workingDirectory = workingDirectory
        self.run = run
    }

    /// Why the run failed, as one line for the transcript and the exit status.
    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    /// Runs the prompt to its end; returns the `stopReason`.
    public func run(transcript: FileHandle = .standardOutput) throws -> String {
        signal(SIGPIPE, SIG_IGN)
        let handler: @convention(c) (Int32) -> Void = { _ in stopRequested = 1 }
        signal(SIGTERM, handler)
        signal(SIGINT, handler)

        // Spawned by hand, not with Foundation's Process, so the agent stays
        // in our process group: the supervisor's SIGKILL of the group must
        // reach it even if we are gone.
        var toAgent: [Int32] = [0, 0], fromAgent: [Int32] = [0, 0]
        guard pipe(&toAgent) == 0, pipe(&fromAgent) == 0 else { throw fail("cannot make pipes", transcript) }
        var spec = ProcessSpec(executable: program, arguments: arguments, environment: ProcessInfo.processInfo.environment)
        spec.standardInput = .descriptor(toAgent[0])
        spec.standardOutput = .descriptor(fromAgent[1])
        spec.standardError = .descriptor(2)
        spec.workingDirectory = workingDirectory
        let pid: pid_t
        do { pid = try ProcessLauncher.spawn(spec) } catch { throw fail("\(error)", transcript) }
        close(toAgent[0])
        close(fromAgent[1])
        let agent = AgentChild(pid: pid)
        let connection = ACPConnection(agentInput: FileHandle(fileDescriptor: toAgent[1], closeOnDealloc: true),
                                       agentOutput: FileHandle(fileDescriptor: fromAgent[0], closeOnDealloc: true),
                                       transcript: transcript)
        connection.onRequest = permissionHandler()
        connection.startReading()
        defer { agent.end() }

        func call(_ method: String, _ params: [String: Any], timeout: TimeInterval) throws -> [String: Any] {
            let id = connection.send(method, params)
            switch connection.wait(for: id, until: Date().addingTimeInterval(timeout), interrupt: { stopRequested != 0 }) {
            case .result(let result)?: return result
            case .error(let code, let message)?: throw fail("\(method) failed: \(message) (\(code))", transcript)
            case nil:
                if stopRequested != 0 { throw fail("stopped before the prompt was sent", transcript) }
                throw fail(connection.isClosed ? "the agent exited during \(method)\(agent.exitNote())"
                    : "the agent did not answer \(method) within \(Int(timeout))s", transcript)
            }
        }

        _ = try call("initialize", [
            "protocolVersion": 1,
            "clientCapabilities": ["fs": ["readTextFile": false, "writeTextFile": false], "terminal": false],
            "clientInfo": ["name": "git-kanbots", "version": "0.1.0"],
        ], timeout: setupTimeout)
        let session = try call("session/new", ["cwd": workingDirectory, "mcpServers": []], timeout: setupTimeout)
        guard let sessionID = session["sessionId"] as? String else {
            throw fail("session/new answered without a sessionId", transcript)
        }
        if let model {
            // Optional in ACP: an agent without models answers with an error
            // (in the transcript as it came) and keeps its own.
            let id = connection.send("session/set_model", ["sessionId": sessionID, "modelId": model])
            _ = connection.wait(for: id, until: Date().addingTimeInterval(setupTimeout), interrupt: { stopRequested != 0 })
        }
        let promptID = connection.send("session/prompt", [
            "sessionId": sessionID, "prompt": [["type": "text", "text": prompt]],
        ])
        var reply = connection.wait(for: promptID, interrupt: { stopRequested != 0 })
        if reply == nil, stopRequested != 0 {
            connection.notify("session/cancel", ["sessionId": sessionID])
            reply = connection.wait(for: promptID, until: Date().addingTimeInterval(cancelGrace))
        }
        switch reply {
        case .result(let result)?:
            return result["stopReason"] as? String ?? "end_turn"
        case .error(let code, let message)?:
            throw fail("session/prompt failed: \(message) (\(code))", transcript)
        case nil:
            if stopRequested != 0 { throw fail("stopped; the agent did not confirm the cancel", transcript) }
            throw fail("the agent exited in the middle of the prompt\(agent.exitNote())", transcript)
        }
    }

    /// The agent process: how it ended, and ending it.
    final class AgentChild {
        let pid: pid_t
        private var status: ExitStatus?

        init(pid: pid_t) { self.pid = pid }

        /// Waits (briefly) for the agent that closed its stdout, and says how it ended.
        func exitNote() -> String {
            let deadline = Date().addingTimeInterval(5)
            while status == nil, Date() < deadline {
                status = ExitStatus.poll(pid)
                if status == nil { Thread.sleep(forTimeInterval: 0.02) }
            }
            switch status {
            case .exited(let code)?: return " (exit status \(code))"
            case .signaled(let signal)?: return " (killed by signal \(signal))"
            case nil: return ""
            }
        }

        /// Ends the agent if it still runs: SIGTERM, then SIGKILL.
        func end() {
            if status == nil { status = ExitStatus.poll(pid) }
            guard status == nil else { return }
            // A confined agent's pid is bwrap's, which does not pass a signal
            // on: the SIGTERM goes to our process group (the supervisor made
            // us its leader; our own handler only notes it), so the agent
            // and its children get it. bwrap's --die-with-parent ends what is
            // left when we exit.
            kill(getpgrp() == getpid() ? 0 : pid, SIGTERM)
            let deadline = Date().addingTimeInterval(2)
            while status == nil, Date() < deadline {
                Thread.sleep(forTimeInterval: 0.02)
                status = ExitStatus.poll(pid)
            }
            if status == nil {
                kill(pid, SIGKILL)
                status = ExitStatus.wait(pid)
            }
        }
    }

    /// Writes the failure to the transcript, where `log` and the parser see it.
    private func fail(_ message: String, _ transcript: FileHandle) -> Failure {
        let line: [String: Any] = ["type": "kanbots_acp_error", "message": message]
        if let data = try? JSONSerialization.data(withJSONObject: line, options: [.sortedKeys]) {
            transcript.write(data + Data([0x0A]))
        }
        return Failure(description: message)
    }

    /// `session/request_permission` goes to the human as a question on the
    /// run (docs/decisions.md); the answer picks the agent's matching option.
    private func permissionHandler() -> @Sendable (String, [String: Any]) -> ACPConnection.Reply? {
        let run = run
        let folder = workingDirectory
        return { method, params in
            guard method == "session/request_permission" else { return nil }
            let options = (params["options"] as? [[String: Any]] ?? []).compactMap { option -> PermissionOption? in
                guard let id = option["optionId"] as? String else { return nil }
                return PermissionOption(id: id, name: option["name"] as? String ?? id, kind: option["kind"] as? String ?? "")
            }
            let toolCall = params["toolCall"] as? [String: Any] ?? [:]
            let title = toolCall["title"] as? String ?? "a tool call"
            let kind = toolCall["kind"] as? String
            guard let run, !options.isEmpty else { return .result(["outcome": ["outcome": "cancelled"]]) }
            let names = options.map(\.name)
            let refusal = options.first { $0.kind.hasPrefix("reject") }
            do {
                let answer = try DecisionWaiter(repositoryPath: folder, id: run).waitForAnswer { number in
                    Question(number: number, kind: .permission, text: "Allow \(title)?", options: names,
                             defaultAnswer: refusal?.name ?? names.last, why: kind.map { "tool kind: \($0)" },
                             // A delete cannot be undone: never taken by a timeout.
                             irreversible: kind == "delete")
                }
                guard let chosen = PermissionOption.matching(answer.text, in: options) else {
                    return .result(["outcome": ["outcome": "cancelled"]])
                }
                return .result(["outcome": ["outcome": "selected", "optionId": chosen.id]])
            } catch {
                return .result(["outcome": ["outcome": "cancelled"]])
            }
        }
    }
}

/// One choice an ACP permission request offers.
struct PermissionOption: Sendable {
    var id: String
    var name: String
    /// `allow_once`, `allow_always`, `reject_once`, `reject_always`.
    var kind: String

    /// The option an answer names: its text, its number (1-based), its id,
    /// or plain allow/yes and deny/no.
    static func matching(_ answer: String, in options: [PermissionOption]) -> PermissionOption? {
        let text = answer.trimmingCharacters(in: .whitespaces).lowercased()
        if let number = Int(text), options.indices.contains(number - 1) { return options[number - 1] }
        if let exact = options.first(where: { $0.name.lowercased() == text || $0.id.lowercased() == text }) { return exact }
        if ["allow", "yes", "y", "ok"].contains(text) { return options.first { $0.kind.hasPrefix("allow") } }
        if ["deny", "no", "n", "reject"].contains(text) { return options.first { $0.kind.hasPrefix("reject") } }
        return nil
    }
}
