// swift-tools-version: 6.0
import PackageDescription

// The module graph is the architecture: every arrow points toward KanbotsCore,
// the pure domain. Only KanbotsGit touches libgit2's C API.
let package = Package(
    name: "git-kanbots",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "git-kanbots", targets: ["git-kanbots"]),
        .executable(name: "kanbots-supervisor", targets: ["kanbots-supervisor"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/modelcontextprotocol/swift-sdk", from: "0.12.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
    ],
    targets: [
        .systemLibrary(
            name: "CLibGit2",
            pkgConfig: "libgit2",
            providers: [.apt(["libgit2-dev"]), .brew(["libgit2"])]
        ),
        // The platform every module builds on, imported once: FoundationEssentials
        // (Foundation on macOS) and the C library, re-exported by Core, System and Git.
        .target(name: "KanbotsPlatform"),
        // Thin, typed wrapper over libgit2: repositories, refs with compare-and-swap and transactions,
        // objects, notes, worktrees, ahead/behind, in-memory merges, tree diffs.
        .target(name: "KanbotsGit", dependencies: ["CLibGit2", "KanbotsPlatform"]),
        // Pure domain: runs, cards, their text formats and the board projection.
        .target(name: "KanbotsCore", dependencies: ["KanbotsPlatform"]),
        // The operating system on the C library alone: starting processes with
        // posix_spawn (streams, process groups, exit statuses), files, paths, sleeping.
        .target(name: "KanbotsSystem", dependencies: ["KanbotsPlatform"]),
        // Agent adapters: stream parsing into typed events, pricing.
        .target(name: "KanbotsAgents", dependencies: ["KanbotsCore"]),
        // GitHub's REST API: issues, labels, pull requests, auth discovery, one-line errors.
        .target(name: "KanbotsGitHub", dependencies: ["KanbotsCore", "KanbotsSystem"]),
        // Persistence of the domain in git refs and notes; the derived run snapshot;
        // worktrees and their pool; locks.
        .target(name: "KanbotsStore", dependencies: ["KanbotsCore", "KanbotsGit", "KanbotsSystem"]),
        // A run's environment: the project's commands in a worktree (setup, checks,
        // services), the ignored files it brings along, its ports (docs/environment.md).
        .target(name: "KanbotsEnvironment", dependencies: ["KanbotsCore", "KanbotsGit", "KanbotsSystem", "KanbotsStore", "KanbotsAgents"]),
        // Where a run's supervisor runs: a detached local process, or a job of
        // a batch engine (Slurm, Kubernetes Jobs) reached through the git remote.
        .target(name: "KanbotsExecutors", dependencies: ["KanbotsCore", "KanbotsGit", "KanbotsSystem", "KanbotsStore"]),
        // The process that watches one run (`kanbots-supervisor run ID`): starts
        // its agent (the agent catalog, bubblewrap confinement), follows and
        // meters the stream, enforces caps and scope, runs the checks, records the end.
        .target(name: "KanbotsSupervisor", dependencies: ["KanbotsCore", "KanbotsGit", "KanbotsSystem", "KanbotsStore", "KanbotsAgents", "KanbotsEnvironment", "KanbotsExecutors"]),
        // The run lifecycle: dispatch and reply (claim, worktree, start the
        // supervisor), answer, stop, and the reconcile that records what a lost
        // supervisor cannot.
        .target(name: "KanbotsRuns", dependencies: [
            "KanbotsCore", "KanbotsGit", "KanbotsSystem", "KanbotsStore", "KanbotsAgents", "KanbotsEnvironment", "KanbotsExecutors",
            "KanbotsSupervisor",
        ]),
        // The MCP server agents call to ask a human (`git-kanbots mcp`): decisions.
        .target(name: "KanbotsMCP", dependencies: [
            "KanbotsCore", "KanbotsStore", .product(name: "MCP", package: "swift-sdk"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        // The Agent Client Protocol client (`git-kanbots acp-client`): speaks
        // JSON-RPC to an ACP agent for one run; permission requests become decisions.
        .target(name: "KanbotsACP", dependencies: ["KanbotsCore", "KanbotsSystem", "KanbotsMCP"]),
        // The Aider client (`git-kanbots aider-client`): runs Aider once and turns
        // its plain-text output into an NDJSON transcript.
        .target(name: "KanbotsAider", dependencies: ["KanbotsAgents", "KanbotsSystem"]),
        // The autopilot orchestrator: keeps N slots busy within a budget.
        .target(name: "KanbotsAutopilot", dependencies: ["KanbotsCore", "KanbotsGit", "KanbotsSystem", "KanbotsStore", "KanbotsEnvironment", "KanbotsExecutors", "KanbotsRuns"]),
        // Review and landing: readiness derived by in-memory merges (cached by
        // commit ids), the review queue, landing plans, and the one way runs
        // are merged locally (`land`, `promote --merge`).
        .target(name: "KanbotsReview", dependencies: ["KanbotsCore", "KanbotsGit", "KanbotsSystem", "KanbotsStore", "KanbotsEnvironment", "KanbotsRuns"]),
        // The use cases every front end calls: dispatch, stop, discard, reply and
        // answer, check and setup, promote and merge, cards, autopilot, GitHub cards
        // and refresh, review and land, gc and the pool, logs and diffs, and the
        // JSON views with their encoder. The CLI and the web board share them, errors included.
        .target(name: "KanbotsApp", dependencies: [
            "KanbotsCore", "KanbotsGit", "KanbotsSystem", "KanbotsStore", "KanbotsAgents", "KanbotsEnvironment",
            "KanbotsSupervisor", "KanbotsRuns", "KanbotsGitHub", "KanbotsAutopilot", "KanbotsReview",
        ]),
        // The local web board (`git kanbots serve`): routes, the access guard,
        // Server-Sent Events from watching the repository, and the page's assets
        // embedded in the binary. It renders what KanbotsApp computes.
        .target(
            name: "KanbotsWeb",
            dependencies: [
                "KanbotsApp", "KanbotsCore", "KanbotsStore", "KanbotsRuns", "KanbotsReview", "KanbotsGitHub",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            resources: [
                .embedInCode("Assets/index.html"), .embedInCode("Assets/app.js"), .embedInCode("Assets/queue.js"), .embedInCode("Assets/app.css"),
                .embedInCode("Assets/favicon.svg"),
            ]
        ),
        // The CLI: parses arguments, calls KanbotsApp (or the lower modules for
        // the helper processes it is: `mcp`, `acp-client`, `aider-client`,
        // `pool refill`, `land --watch`), prints. Nothing else.
        .executableTarget(
            name: "git-kanbots",
            dependencies: [
                "KanbotsApp", "KanbotsWeb", "KanbotsCore", "KanbotsGit", "KanbotsSystem", "KanbotsStore", "KanbotsEnvironment",
                "KanbotsGitHub", "KanbotsMCP", "KanbotsAutopilot", "KanbotsACP", "KanbotsAider", "KanbotsReview",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            // Lets KanbotsGit stand in for mbed TLS's CA bundle parse while
            // libgit2 starts (LibGit2Startup.swift): 4 ms off every command.
            linkerSettings: [
                .unsafeFlags(["-Xlinker", "--no-export-dynamic", "-Xlinker", "--export-dynamic-symbol=mbedtls_x509_crt_parse_file"], .when(platforms: [.linux])),
            ]
        ),
        // The long-lived processes (a supervisor per run, an orchestrator per
        // autopilot session), lean: FoundationEssentials only, no ArgumentParser,
        // MCP or networking. `dispatch` and `autopilot` start it from the folder
        // git-kanbots runs from.
        .executableTarget(
            name: "kanbots-supervisor",
            dependencies: ["KanbotsCore", "KanbotsGit", "KanbotsSystem", "KanbotsStore", "KanbotsAgents", "KanbotsSupervisor", "KanbotsRuns", "KanbotsAutopilot"],
            // As for git-kanbots: no CA bundle parsed at start-up, which also
            // keeps the certificates out of every supervisor's memory.
            linkerSettings: [
                .unsafeFlags(["-Xlinker", "--no-export-dynamic", "-Xlinker", "--export-dynamic-symbol=mbedtls_x509_crt_parse_file"], .when(platforms: [.linux])),
            ]
        ),
        .testTarget(name: "KanbotsCoreTests", dependencies: ["KanbotsCore"]),
        .testTarget(name: "KanbotsAgentsTests", dependencies: ["KanbotsAgents"]),
        .testTarget(name: "KanbotsGitTests", dependencies: ["KanbotsGit"]),
        .testTarget(name: "KanbotsGitHubTests", dependencies: ["KanbotsGitHub"]),
        // Scratch repositories for the unit suites below the CLI.
        .target(name: "KanbotsTestSupport", dependencies: ["KanbotsStore"], path: "Tests/KanbotsTestSupport"),
        .testTarget(name: "KanbotsEnvironmentTests", dependencies: [
            "KanbotsEnvironment", "KanbotsStore", "KanbotsGit", "KanbotsCore", "KanbotsTestSupport",
        ]),
        .testTarget(name: "KanbotsStoreTests", dependencies: ["KanbotsStore", "KanbotsGit", "KanbotsCore", "KanbotsTestSupport"]),
        .testTarget(name: "KanbotsReviewTests", dependencies: [
            "KanbotsReview", "KanbotsStore", "KanbotsGit", "KanbotsCore", "KanbotsTestSupport",
        ]),
        // Pure: boards built in memory, no repository.
        .testTarget(name: "KanbotsAutopilotTests", dependencies: ["KanbotsAutopilot", "KanbotsCore"]),
        // The lifecycle without starting `kanbots-supervisor`: supervisors are played by locks the tests hold.
        .testTarget(name: "KanbotsRunsTests", dependencies: ["KanbotsRuns", "KanbotsStore", "KanbotsCore", "KanbotsTestSupport"]),
        // Drives the built `git-kanbots` binary against real repositories.
        .testTarget(name: "KanbotsCLITests", dependencies: ["KanbotsCore", "git-kanbots", "kanbots-supervisor"]),
    ]
)
