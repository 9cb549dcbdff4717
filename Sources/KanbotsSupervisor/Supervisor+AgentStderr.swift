import KanbotsAgents
import KanbotsCore
import KanbotsSystem

extension Supervisor {
    /// Where the agent's stderr goes while it runs (machine-local).
    var agentStderrPath: String { repository.runDirectory(id) + "/agent.stderr" }

    /// The end of the agent's stderr, redacted like the transcript, for the
    /// record: the reason a run failed must travel with `sync`, not stay in
    /// a local file. Nothing when the agent wrote nothing.
    func keptAgentStderr() -> (text: String, attachment: [String: Data?]) {
        guard let file = OpenFile(agentStderrPath, .reading) else { return ("", [:]) }
        let start = max(0, file.size - AgentFailureDiagnosis.keptStderrBytes)
        file.seek(to: start)
        var data = file.readToEnd()
        // Cut from the middle of a line: start at the next whole one.
        if start > 0, let newline = data.firstIndex(of: 0x0A) { data = data[(newline + 1)...] }
        guard !data.isEmpty else { return ("", [:]) }
        let redactor = SecretRedactor()
        var redacted = Data()
        for line in data.split(separator: 0x0A, omittingEmptySubsequences: false) {
            redacted.append(redactor.redact(Data(line)))
            redacted.append(0x0A)
        }
        redacted.removeLast()
        return (String(decoding: redacted, as: UTF8.self), [RunRecord.agentStderrFile: redacted])
    }

    /// Paths the agent was refused as read-only, from its stderr and its
    /// transcript's tool outputs: what the sandbox (bubblewrap's or the
    /// agent's own) denied it.
    func deniedWrites(stderr: String) -> [String] {
        var text = stderr
        let tail = TranscriptTail(path: repository.transcriptPath(id))
        let marker = Array("Read-only file system".utf8)
        tail.readRemainingLines { line in
            if line.containsBytes(marker) { text += "\n" + String(decoding: line, as: UTF8.self) }
        }
        return ReadOnlyDenials.paths(in: text)
    }
}
