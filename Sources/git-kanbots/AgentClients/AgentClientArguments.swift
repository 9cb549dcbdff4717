import ArgumentParser

/// What a supervisor gives `acp-client`: the run's prompt and model, then
/// after `--` the agent's program and its arguments.
struct AgentClientArguments: ParsableArguments {
    @Option var prompt: String
    @Option var model: String?
    @OptionGroup var agent: AgentCommandLine

    /// The agent's program and its arguments.
    func program() throws -> (path: String, arguments: [String]) { try agent.program() }
}

/// `-- PROGRAM ARGUMENTS…`: the agent a client starts, exactly as given
/// (with bubblewrap in front when the run is confined).
struct AgentCommandLine: ParsableArguments {
    @Argument(parsing: .captureForPassthrough, help: "-- then the agent's program and its arguments.")
    var command: [String] = []

    func program() throws -> (path: String, arguments: [String]) {
        let words = command.first == "--" ? Array(command.dropFirst()) : command
        guard let path = words.first else { throw ValidationError("give the agent's program after --") }
        return (path, Array(words.dropFirst()))
    }
}
