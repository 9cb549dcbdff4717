import Testing

@testable import KanbotsCore

/// Whether two cards' scopes may touch one file: conservative (unsure means overlap).
@Suite struct ScopeOverlapTests {
    @Test func disjointDirectoriesDoNotOverlap() {
        #expect(!Scope.overlaps(["Sources/API/**"], ["Sources/UI/**"]))
        #expect(!Scope.overlaps(["Sources/API/**", "Tests/API/**"], ["Sources/UI/**", "Tests/UI/**"]))
        #expect(!Scope.overlaps(["docs/"], ["Sources/**"]))
        #expect(!Scope.overlaps(["/README.md"], ["/CHANGELOG.md"]))
        #expect(!Scope.overlaps(["Sources/*/Model.swift"], ["Tests/**"]))
        #expect(!Scope.overlaps(["Sources/A*/x.swift"], ["Sources/B/**"]))
    }

    @Test func nestedOrSharedPathsOverlap() {
        #expect(Scope.overlaps(["Sources/**"], ["Sources/API/**"]))
        #expect(Scope.overlaps(["Sources/API/**"], ["Sources/API/Routes.swift"]))
        #expect(Scope.overlaps(["Sources/API/**", "Tests/API/**"], ["Tests/**"]))
        #expect(Scope.overlaps(["Sources/*/Model.swift"], ["Sources/API/**"]))
        #expect(Scope.overlaps(["Sources/A*/x.swift"], ["Sources/API/x.swift"]))
        #expect(Scope.overlaps(["/README.md"], ["/README.md"]))
    }

    @Test func unsureMeansOverlap() {
        // An unanchored name may be anywhere, so it may be under any folder.
        #expect(Scope.overlaps(["*.sql"], ["db/**"]))
        #expect(Scope.overlaps(["**/Fixtures/*.json"], ["Tests/API/**"]))
        #expect(Scope.overlaps(["Sources/*/a.swift"], ["Sources/?/a.swift"]))
    }

    @Test func differentDepthsWithoutDoubleStarDoNotOverlap() {
        #expect(!Scope.overlaps(["Sources/*.swift"], ["Sources/API/*.swift"]))
    }

    @Test func aCardWithoutAScopeIsNotConstrained() {
        #expect(!Scope.overlaps([], ["Sources/**"]))
        #expect(!Scope.overlaps(["Sources/**"], []))
        #expect(!Scope.overlaps([], []))
    }

    @Test func violationsAreThePathsOutsideTheScope() {
        let paths = ["Sources/API/Routes.swift", "Sources/UI/View.swift", "Tests/API/RoutesTests.swift", "README.md"]
        #expect(Scope.violations(of: ["Sources/API/**", "Tests/API/**"], in: paths) == ["Sources/UI/View.swift", "README.md"])
        #expect(Scope.violations(of: [], in: paths).isEmpty)
    }
}
