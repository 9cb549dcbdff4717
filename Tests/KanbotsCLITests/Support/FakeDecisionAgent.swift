import Foundation

/// A scripted Claude-shaped agent (Python standard library only) that does
/// what Claude Code does with the decision server: starts the MCP server
/// named in its `--mcp-config` file (or, as Codex, in its `-c` overrides), initializes, lists the tools, calls one,
/// and prints a stream-json transcript. The tool's answer goes to
/// `answer.txt` in its worktree (so it lands on the run's branch); a run
/// resumed with `--resume` writes its prompt to `resumed.txt` instead.
struct FakeDecisionAgent {
    var tool = "ask"
    /// The tool call's arguments, as JSON.
    var arguments: String
    var session = "s-fake-decisions"
    /// A second call's arguments, sent before the first is answered (as a
    /// model calling tools in parallel does); its answer is a second line.
    var parallelArguments: String?

    func script(argsLog: String) -> String {
        """
        #!/usr/bin/env python3
        import json, subprocess, sys
        args = sys.argv[1:]
        with open(\(pythonString(argsLog)), "a") as f:
            f.write(json.dumps(args) + "\\n")
        def event(obj):
            print(json.dumps(obj), flush=True)
        event({"type": "system", "subtype": "init", "session_id": \(pythonString(session)),
               "model": "claude-sonnet-4-5", "tools": []})
        if "--resume" in args:
            with open("resumed.txt", "w") as f:
                f.write(args[args.index("-p") + 1])
            event({"type": "result", "subtype": "success", "is_error": False, "total_cost_usd": 0.001, "result": "resumed"})
            sys.exit(0)
        if "--mcp-config" in args:  # Claude Code
            config = json.load(open(args[args.index("--mcp-config") + 1]))["mcpServers"]["kanbots"]
        else:  # Codex: -c mcp_servers.kanbots.KEY=TOML value (JSON-compatible here)
            prefix = "mcp_servers.kanbots."
            values = dict(a[len(prefix):].split("=", 1) for a in args if a.startswith(prefix))
            config = {"command": json.loads(values["command"]), "args": json.loads(values["args"])}
        server = subprocess.Popen([config["command"]] + config["args"], stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE, text=True)
        def send(message):
            message["jsonrpc"] = "2.0"
            server.stdin.write(json.dumps(message) + "\\n")
            server.stdin.flush()
        responses = {}
        def receive(number):
            while number not in responses:
                line = server.stdout.readline()
                if not line:
                    sys.exit("decision server closed its output")
                message = json.loads(line)
                responses[message.get("id")] = message
            return responses.pop(number)
        send({"id": 1, "method": "initialize", "params": {"protocolVersion": "2025-06-18", "capabilities": {},
              "clientInfo": {"name": "fake-agent", "version": "1"}}})
        receive(1)
        send({"method": "notifications/initialized"})
        send({"id": 2, "method": "tools/list"})
        names = [tool["name"] for tool in receive(2)["result"]["tools"]]
        calls = [json.loads(\(pythonString(arguments)))]
        if \(pythonString(parallelArguments ?? "")):
            calls.append(json.loads(\(pythonString(parallelArguments ?? ""))))
        for number, arguments in enumerate(calls, start=3):
            send({"id": number, "method": "tools/call", "params": {"name": \(pythonString(tool)), "arguments": arguments}})
        results = [receive(number)["result"] for number in range(3, 3 + len(calls))]
        result = results[0]
        with open("answer.txt", "w") as f:
            f.write("\\n".join(r["content"][0]["text"] for r in results))
        with open("tools.txt", "w") as f:
            f.write(" ".join(names))
        server.stdin.close()
        server.wait(timeout=10)
        event({"type": "result", "subtype": "success", "is_error": bool(result.get("isError")),
               "total_cost_usd": 0.002, "result": "asked"})

        """
    }

    private func pythonString(_ text: String) -> String {
        let data = try? JSONSerialization.data(withJSONObject: [text], options: [.withoutEscapingSlashes])
        return data.map { String(String(decoding: $0, as: UTF8.self).dropFirst().dropLast()) } ?? "''"
    }
}

extension Sandbox {
    /// Waits until the run is recorded `awaiting_decision`; returns its record.
    @discardableResult
    func waitForQuestion(_ id: String, timeout: TimeInterval = 30) throws -> Trailers {
        let asked = ProcessProbe.waitUntil(timeout: timeout, interval: 0.05) {
            (try? record(id))?["State"] == "awaiting_decision"
        }
        guard asked else { throw TestFailure("run \(id) asked nothing within \(Int(timeout))s: \(try record(id).fields)") }
        return try record(id)
    }

    /// `decisions --json`, decoded.
    func openDecisions() throws -> [DecisionInfo] {
        try JSON.decode([DecisionInfo].self, from: try kanbots("decisions", "--json"))
    }
}

struct DecisionInfo: Decodable {
    var run: String
    var card: Int
    var title: String?
    var waitedSeconds: Double
    var question: QuestionInfo

    enum CodingKeys: String, CodingKey {
        case run, card, title, question
        case waitedSeconds = "waited_seconds"
    }
}

struct QuestionInfo: Decodable {
    var number: Int
    var kind: String
    var text: String
    var options: [String]
    var defaultAnswer: String?
    var why: String?
    var irreversible: Bool
    var decidesAt: String?

    enum CodingKeys: String, CodingKey {
        case number, kind, text, options, why, irreversible
        case defaultAnswer = "default", decidesAt = "decides_at"
    }
}
