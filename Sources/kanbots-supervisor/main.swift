// kanbots-supervisor: the long-lived processes of git-kanbots, kept lean
// (and the demo agent, which starts faster from here).
//
// `dispatch` starts one supervisor per run and `autopilot start` one
// orchestrator per session; they live for hours, so they are this small
// executable, which links FoundationEssentials and the modules below it, and
// no ArgumentParser, MCP, networking or web server. Not for direct use: the
// arguments are a contract with `SupervisorLauncher` and `OrchestratorLauncher`.
//
//     kanbots-supervisor run RUN --repository PATH [--reattach]
//     kanbots-supervisor job RUN --repository PATH     (in a remote run's job)
//     kanbots-supervisor orchestrate SESSION --repository PATH

import KanbotsSystem

let usage = """
    usage: kanbots-supervisor run RUN --repository PATH [--reattach]
           kanbots-supervisor job RUN --repository PATH
           kanbots-supervisor orchestrate SESSION --repository PATH
           kanbots-supervisor demo-agent --prompt TEXT [--model NAME]
    (started by git-kanbots dispatch and autopilot; not for direct use)
    """

if CommandLine.arguments.dropFirst().first == "demo-agent" {
    guard let agent = DemoAgent(CommandLine.arguments.dropFirst(2)) else {
        StandardError.write(usage)
        exit(64)
    }
    agent.run()
}

do {
    guard let invocation = LeanInvocation(CommandLine.arguments.dropFirst()) else {
        StandardError.write(usage)
        exit(64)
    }
    switch invocation.role {
    case .supervisor(let reattach):
        // The supervisor gives back its start-up code once the agent runs
        // (`Supervisor.follow`): doing it here would delay the agent's start.
        try superviseRun(invocation.name, repository: invocation.repository, reattach: reattach)
    case .job:
        try superviseJob(invocation.name, repository: invocation.repository)
    case .checkpoint:
        try checkpointJob(invocation.name, repository: invocation.repository)
    case .orchestrator:
        // Start-up (the loader, the runtime) is done: its code can go.
        CodeResidency.release()
        try orchestrateSession(invocation.name, repository: invocation.repository)
    }
} catch {
    StandardError.write("kanbots-supervisor: \(error)")
    exit(1)
}
