import Foundation
import KanbotsCore
import KanbotsStore
import MCP

/// `git-kanbots mcp`: the MCP server (stdio, newline-delimited JSON-RPC)
/// that an agent of one run talks to. It offers
///
/// - `ask` (question, options, default, why, irreversible): records the
///   question with the run, waits for `git kanbots answer` (or the default
///   after `--decide-after`), and returns the answer as the tool's result;
/// - `approve`: Claude Code's `--permission-prompt-tool`, the same question
///   flow with the options allow/deny, answered in the JSON Claude expects.
///
/// Everything goes through the run's record in git, so the server itself
/// keeps no state: if it dies, the question stays open on the board.
public enum DecisionServer {
    static let serverName = DecisionTools.server
    static let askTool = DecisionTools.ask
    static let approveTool = DecisionTools.approve

    /// Serves until the agent closes stdin (the MCP stdio shutdown).
    public static func serve(repositoryPath: String, run id: RunID) throws {
        let done = DispatchSemaphore(value: 0)
        let failure = FailureBox()
        Task {
            do {
                let server = Server(
                    name: serverName, version: "0.1.0",
                    instructions: "Use the ask tool when a decision needs the human: give options and a default.",
                    capabilities: .init(tools: .init(listChanged: false)))
                await server.withMethodHandler(ListTools.self) { _ in .init(tools: tools) }
                await server.withMethodHandler(CallTool.self) { params in
                    let outcome = await offThePool {
                        DecisionWaiter(repositoryPath: repositoryPath, id: id).call(params.name, params.arguments ?? [:])
                    }
                    return .init(content: [.text(text: outcome.text, annotations: nil, _meta: nil)], isError: outcome.isError)
                }
                try await server.start(transport: LenientStdioTransport())
                await server.waitUntilCompleted()
            } catch {
                failure.set(error)
            }
            done.signal()
        }
        done.wait()
        if let error = failure.error { throw error }
    }

    static let tools: [Tool] = [
        Tool(
            name: askTool,
            description: """
                Ask the human a question and wait for the answer. Use it for decisions you should not \
                take alone (scope, product choices, anything destructive). Offer options and a default; \
                mark deletes, migrations and pushes irreversible. The answer comes back as text.
                """,
            inputSchema: .object([
                "type": "object",
                "properties": .object([
                    "question": .object(["type": "string", "description": "The question, one or two sentences."]),
                    "options": .object([
                        "type": "array", "items": .object(["type": "string"]),
                        "description": "The choices to offer (the human answers with a number or free text).",
                    ]),
                    "default": .object([
                        "type": "string",
                        "description": "The option to take if nobody answers in time (an option's text or number).",
                    ]),
                    "why": .object(["type": "string", "description": "Why you need a decision: the trade-off."]),
                    "irreversible": .object([
                        "type": "boolean",
                        "description": "True for deletes, migrations, pushes: never answered by a timeout.",
                    ]),
                ]),
                "required": .array(["question"]),
            ])),
        Tool(
            name: approveTool,
            description: "Permission prompt: asks the human whether a tool call may run (used by Claude Code).",
            inputSchema: .object([
                "type": "object",
                "properties": .object([
                    "tool_name": .object(["type": "string"]),
                    "input": .object(["type": "object"]),
                    "tool_use_id": .object(["type": "string"]),
                ]),
                "required": .array(["tool_name"]),
            ])),
    ]

    /// Runs blocking work (libgit2, sleeping) on its own thread: the
    /// cooperative pool has as many threads as cores, and a waiting question
    /// must not starve the server's message loop.
    static func offThePool<T: Sendable>(_ work: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in
            Thread { continuation.resume(returning: work()) }.start()
        }
    }
}

private final class FailureBox: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: Error?
    // lock()/unlock(), not withLock: that needs macOS 14.
    var error: Error? {
        lock.lock()
        defer { lock.unlock() }
        return stored
    }

    func set(_ error: Error) {
        lock.lock()
        stored = error
        lock.unlock()
    }
}
