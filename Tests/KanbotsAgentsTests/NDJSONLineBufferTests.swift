import Foundation
import Testing

@testable import KanbotsAgents

@Suite struct NDJSONLineBufferTests {
    let text = "{\"a\":1}\n\n{\"b\":\"two\"}\r\n{\"c\":\"é ü\"}\n{\"tail\":"

    /// The lines, offsets and numbers must not depend on how reads split the bytes.
    @Test(arguments: [1, 2, 3, 7, 64, 10_000])
    func splitsIdenticallyWhateverTheChunkSize(chunkSize: Int) {
        let bytes = Array(text.utf8)
        var buffer = NDJSONLineBuffer()
        var lines: [NDJSONLine] = []
        var start = 0
        while start < bytes.count {
            let end = min(start + chunkSize, bytes.count)
            lines += buffer.append(bytes[start..<end])
            start = end
        }
        #expect(lines.map(\.text) == ["{\"a\":1}", "", "{\"b\":\"two\"}", "{\"c\":\"é ü\"}"])
        #expect(lines.map(\.byteOffset) == [0, 8, 9, 22])
        #expect(lines.map(\.number) == [1, 2, 3, 4])
        #expect(buffer.committedOffset == 36)
        #expect(buffer.pendingByteCount == 8)
        let tail = buffer.finish()
        #expect(tail == NDJSONLine(bytes: Data("{\"tail\":".utf8), byteOffset: 36, number: 5))
        #expect(buffer.finish() == nil)
        #expect(buffer.committedOffset == 44)
    }

    /// A second supervisor resumes where the first one's buffer had committed.
    @Test func resumesFromACommittedOffset() {
        let bytes = Data(text.utf8)
        var first = NDJSONLineBuffer()
        let firstLines = first.append(bytes.prefix(15))
        #expect(firstLines.map(\.text) == ["{\"a\":1}", ""])

        var second = NDJSONLineBuffer(startingAt: first.committedOffset, lineNumber: 3)
        let rest = second.append(bytes[first.committedOffset...])
        #expect(rest.map(\.text) == ["{\"b\":\"two\"}", "{\"c\":\"é ü\"}"])
        #expect(rest.map(\.byteOffset) == [9, 22])
        #expect(rest.map(\.number) == [3, 4])
    }

    @Test func keepsALoneCarriageReturnInsideALine() {
        var buffer = NDJSONLineBuffer()
        let lines = buffer.append(Data("a\rb\r\n\r\n".utf8))
        #expect(lines.map(\.text) == ["a\rb", ""])
    }

    /// Linear time: 10 MB line in 4 KB chunks, then many small lines, quickly.
    @Test func handlesHugeLinesInSmallChunksWithoutQuadraticCopying() {
        let line = Data(repeating: UInt8(ascii: "x"), count: 10 << 20)
        var buffer = NDJSONLineBuffer()
        let clock = ContinuousClock()
        var produced: [NDJSONLine] = []
        let elapsed = clock.measure {
            var start = 0
            while start < line.count {
                let end = min(start + 4096, line.count)
                produced += buffer.append(line[start..<end])
                start = end
            }
            produced += buffer.append(Data("\n".utf8))
            for _ in 0..<10_000 { produced += buffer.append(Data("{\"k\":1}\n".utf8)) }
        }
        #expect(produced.count == 10_001)
        #expect(produced[0].bytes.count == 10 << 20)
        #expect(produced[10_000].byteOffset == (10 << 20) + 1 + 9_999 * 8)
        #expect(buffer.pendingByteCount == 0)
        // Quadratic copying would take minutes here; linear takes milliseconds.
        #expect(elapsed < .seconds(3))
    }
}
