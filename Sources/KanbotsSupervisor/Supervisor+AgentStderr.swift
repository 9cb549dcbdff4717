import Foundation
import KanbotsAgents
import KanbotsCore

extension Supervisor {
    /// Where the agent's stderr goes while it runs (machine-local).
    var agentStderrPath: String { repository.runDirectory(id) + "/agent.stderr" }

    /// The end of the agent's stderr, redacted like the transcript, for the
    /// record: the reason a run failed must travel with `sync`, not stay in
    /// a local file. Nothing when the agent wrote nothing.
    func keptAgentStderr() -> (text: String, attachment: [String: Data?]) {
        guard let handle = FileHandle(forReadingAtPath: agentStderrPath) else { return ("", [:]) }
        defer { try? handle.close() }
        let size = (try? handle.seekToEnd()) ?? 0
        let start = size > UInt64(AgentFailureDiagnosis.keptStderrBytes) ? size - UInt64(AgentFailureDiagnosis.keptStderrBytes) : 0
        try? handle.seek(toOffset: start)
        var data = (try? handle.readToEnd()) ?? Data()
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
}
