import Foundation
import Testing

@Suite("demo") struct DemoTests {
    @Test func demoFilesThreeCardsAndShowsThemInReview() throws {
        try Sandbox.with(repository: false) { sandbox in
            let folder = sandbox.root + "/demo"
            let demo = try sandbox.kanbots("demo", "--path", folder, in: sandbox.root, timeout: 120)
            expectSuccess(demo)
            let lines = demo.stdoutLines
            let header = try #require(lines.firstIndex(of: "In review (3)"), "no 'In review (3)' in: \(demo)")
            let cards = lines[(header + 1)...].prefix { $0.hasPrefix("  ") }
            #expect(cards.count == 3, "\(demo)")
            for title in ["Add CSV export", "Fix the off-by-one in pagination", "Document the config file"] {
                #expect(cards.contains { $0.contains(title) && $0.contains("completed") && $0.hasSuffix("· ready") },
                        "\(title) not in review, or not ready: \(demo)")
            }
            #expect(lines.contains("In progress (0)") && lines.contains("Todo (0)"), "\(demo)")

            // It is a real repository with three finished runs.
            let runs = try JSON.decode([RunInfo].self, from: try sandbox.kanbots("status", "--json", in: folder))
            #expect(runs.count == 3)
            #expect(runs.allSatisfy { $0.state == "completed" && $0.ahead == 1 }, "\(runs.map { "\($0.id) \($0.state)" })")
            #expect(Set(runs.map(\.card)) == [1, 2, 3])

            // It refuses to reuse a folder.
            let again = try sandbox.kanbots("demo", "--path", folder, in: sandbox.root)
            expectCleanError(again, mentioning: folder)
            _ = try sandbox.kanbots("stop", "--all", in: folder)
        }
    }
}
