// swift-tools-version: 6.0
import PackageDescription

// The module graph is the architecture: every arrow points toward KanbotsCore,
// the pure domain. Only KanbotsGit touches libgit2's C API.
let package = Package(
    name: "git-kanbots",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "git-kanbots", targets: ["git-kanbots"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        .systemLibrary(
            name: "CLibGit2",
            pkgConfig: "libgit2",
            providers: [.apt(["libgit2-dev"]), .brew(["libgit2"])]
        ),
        // Thin, typed wrapper over libgit2: repositories, refs with compare-and-swap,
        // objects, notes, worktrees, ahead/behind.
        .target(name: "KanbotsGit", dependencies: ["CLibGit2"]),
        // Pure domain: runs, cards, their text formats and the board projection.
        .target(name: "KanbotsCore"),
        // Agent adapters: stream parsing into typed events, pricing.
        .target(name: "KanbotsAgents", dependencies: ["KanbotsCore"]),
        // Persistence of the domain in git refs and notes; worktrees; locks.
        .target(name: "KanbotsStore", dependencies: ["KanbotsCore", "KanbotsGit"]),
        // The per-run supervisor process and process utilities.
        .target(name: "KanbotsSupervisor", dependencies: ["KanbotsCore", "KanbotsStore", "KanbotsAgents"]),
        // The autopilot orchestrator: keeps N slots busy within a budget.
        .target(name: "KanbotsAutopilot", dependencies: ["KanbotsCore", "KanbotsGit", "KanbotsStore", "KanbotsSupervisor"]),
        .executableTarget(
            name: "git-kanbots",
            dependencies: [
                "KanbotsCore", "KanbotsStore", "KanbotsAgents", "KanbotsSupervisor", "KanbotsAutopilot",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(name: "KanbotsCoreTests", dependencies: ["KanbotsCore"]),
        .testTarget(name: "KanbotsAgentsTests", dependencies: ["KanbotsAgents"]),
        .testTarget(name: "KanbotsGitTests", dependencies: ["KanbotsGit"]),
        // Drives the built `git-kanbots` binary against real repositories.
        .testTarget(name: "KanbotsCLITests", dependencies: ["KanbotsCore", "git-kanbots"]),
    ]
)
