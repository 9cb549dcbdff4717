import Foundation
import Testing
@testable import KanbotsCore

@Suite struct PathGlobTests {
    @Test(arguments: [
        ("Sources/API/**", "Sources/API/Routes.swift", true),
        ("Sources/API/**", "Sources/API/v2/Users.swift", true),
        ("Sources/API/**", "Sources/APIX/Routes.swift", false),
        ("Sources/API/**", "Tests/API/Routes.swift", false),
        ("*.sql", "db/migrations/001_init.sql", true),
        ("*.sql", "schema.sql", true),
        ("*.sql", "schema.sqlite", false),
        ("docs/", "docs/a/b.md", true),
        ("Tests/**/Fixtures/*.json", "Tests/Fixtures/a.json", true),
        ("Tests/**/Fixtures/*.json", "Tests/X/Y/Fixtures/a.json", true),
        ("Tests/**/Fixtures/*.json", "Tests/X/Fixtures/sub/a.json", false),
        ("Package.swift", "Package.swift", true),
        ("Package.swift", "Sub/Package.swift", true),
        ("/Package.swift", "Sub/Package.swift", false),
        ("src/*.c", "src/main.c", true),
        ("src/*.c", "src/a/main.c", false),
        ("file?.[ch]", "lib/file1.h", true),
        ("file?.[!ch]", "lib/file1.h", false),
        (".github/workflows/*", ".github/workflows/ci.yml", true),
    ])
    func matches(pattern: String, path: String, expected: Bool) {
        #expect(PathGlob(pattern).matches(path) == expected, "\(pattern) ~ \(path)")
    }
}

@Suite struct ReviewFieldsTests {
    @Test func checksAndAgentTestedRoundTrip() throws {
        var record = RunRecordTests.sample()
        record.checks = ChecksResult(outcome: .timedOut, exitCode: nil, seconds: 1800, failedCommand: "swift test",
                                     commit: String(repeating: "b", count: 40))
        record.agentTested = .failed
        record.addScopeViolation("Sources/Other/A.swift")
        record.addScopeViolation("Sources/Other/A.swift")
        record.addScopeViolation("README.md")
        let parsed = try RunRecord(parsing: record.message.text)
        #expect(parsed.checks == record.checks)
        #expect(parsed.agentTested == .failed)
        #expect(parsed.scopeViolations == ["Sources/Other/A.swift", "README.md"])
        var cleared = parsed
        cleared.checks = nil
        #expect(try RunRecord(parsing: cleared.message.text).checks == nil)
    }

    @Test func cardScopeChecksAndRankSurviveRewrites() throws {
        var card = Card(number: 3, title: "API", createdAt: Timestamp.parse("2026-11-23T09:30:00Z")!)
        card.scope = ["Sources/API/**", "Tests/API/**"]
        card.checks = ["swift test --filter API"]
        card.rank = 3
        var reparsed = try Card(parsing: card.message.text, body: "")
        #expect(reparsed == card)
        reparsed.rank = 5
        reparsed.scope = ["Sources/API/**"]
        let again = try Card(parsing: reparsed.message.text, body: "")
        #expect(again.rank == 5)
        #expect(again.scope == ["Sources/API/**"])
        #expect(again.extra.isEmpty)
    }
}
