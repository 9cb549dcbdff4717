import Foundation
import Testing

/// `.git/kanbots/cache/records-v1` only saves time: whatever is in it, the
/// board says what the refs say.
@Suite("record cache") struct RecordCacheTests {
    @Test func theBoardIsTheSameWithTheCacheMissingTruncatedOrGarbled() throws {
        try Sandbox.with(cards: ["One", "Two"]) { sandbox in
            let first = try sandbox.dispatch(1)
            _ = try sandbox.finishedRun(first.id)
            let cache = sandbox.repo + "/.git/kanbots/cache/records-v1"
            let expected = try sandbox.kanbotsOK("board", "--json").stdout
            let written = try #require(sandbox.read(cache), "board wrote no cache")
            #expect(written.contains(first.id))

            // A new transition is read from git, not from the stale cache.
            let second = try sandbox.dispatch(2)
            _ = try sandbox.finishedRun(second.id)
            let grown = try sandbox.kanbotsOK("board", "--json").stdout
            #expect(grown.contains(second.id) && grown != expected)

            for damage in ["", "kanbots-record-cache v1\n0123", "not a cache at all\n", String(written.prefix(written.count / 2))] {
                try sandbox.write(cache, damage)
                #expect(try sandbox.kanbotsOK("board", "--json").stdout == grown, "damaged cache: \(damage.prefix(40))")
            }
            try FileManager.default.removeItem(atPath: cache)
            #expect(try sandbox.kanbotsOK("board", "--json").stdout == grown)
        }
    }
}
