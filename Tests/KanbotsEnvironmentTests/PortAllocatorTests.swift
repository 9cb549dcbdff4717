import Foundation
import KanbotsStore
import KanbotsSystem
import Testing
@testable import KanbotsEnvironment

/// A claims directory of its own, removed at the end, and owner lock paths in it.
final class ScratchPorts: Sendable {
    let directory = NSTemporaryDirectory() + "kanbots-ports-tests-\(UUID().uuidString)"

    deinit { try? FileManager.default.removeItem(atPath: directory) }

    /// Ports above Linux's ephemeral range (32768-60999), so no outgoing
    /// connection of a test running beside these can take one.
    func allocator(_ range: ClosedRange<Int> = 61000...61099, blockSize: Int = 10) -> PortAllocator {
        PortAllocator(range: range, blockSize: blockSize, directory: directory)
    }

    func owner(_ name: String) -> String { directory + "/" + name + ".lock" }

    /// A claim as another dispatch would have left it.
    func writeClaim(first: Int, owner: String, time: TimeInterval, block: String? = nil) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let text = "\(owner)\n\(Int(time))\n" + (block.map { $0 + "\n" } ?? "")
        try Data(text.utf8).write(to: URL(fileURLWithPath: directory + "/\(first)"))
    }
}

// Serialized: the tests bind real ports, and one test's probe of a port must
// not make another's block look in use.
@Suite(.serialized) struct PortAllocatorTests {
    @Test func blockTextRoundTrips() {
        let block = PortBlock(first: 20010, count: 10)
        #expect(block.description == "20010-20019")
        #expect(block.last == 20019)
        #expect(PortBlock("20010-20019") == block)
        #expect(PortBlock("20019-20010") == nil)
        #expect(PortBlock("20010") == nil)
        #expect(PortBlock("a-b") == nil)
    }

    @Test func concurrentAllocationsGetDisjointBlocks() throws {
        let ports = ScratchPorts()
        let results = GatheredResults()
        // Each thread has its own allocator, so its own open of allocate.lock:
        // flock excludes them from one another as it would separate processes.
        DispatchQueue.concurrentPerform(iterations: 50) { index in
            let allocator = ports.allocator(61000...61499)
            results.append(Result { try allocator.allocate(ownerLock: ports.owner("run-\(index)")) })
        }
        let blocks = try results.values.map { try $0.get() }
        #expect(blocks.count == 50)
        #expect(Set(blocks.map(\.first)).count == 50)
        for (index, block) in blocks.enumerated() {
            #expect(!blocks[(index + 1)...].contains(where: block.overlaps), "\(block) overlaps another")
            #expect(block.count == 10 && (block.first - 61000) % 10 == 0)
        }
        #expect(ports.allocator(61000...61499).takenBlocks().count == 50)
    }

    @Test func staleClaimIsReused() throws {
        let ports = ScratchPorts()
        try ports.writeClaim(first: 61000, owner: ports.owner("crashed"), time: 1_000)
        #expect(try ports.allocator().allocate(ownerLock: ports.owner("new")) == PortBlock(first: 61000, count: 10))
        let claim = try String(contentsOfFile: ports.directory + "/61000", encoding: .utf8)
        #expect(claim.hasPrefix(ports.owner("new") + "\n"))
    }

    @Test func freshClaimWithinGraceIsKept() throws {
        let ports = ScratchPorts()
        try ports.writeClaim(first: 61000, owner: ports.owner("starting"), time: Date().timeIntervalSince1970)
        #expect(try ports.allocator().allocate(ownerLock: ports.owner("new")).first == 61010)
    }

    @Test func oldClaimWhoseOwnerLockIsHeldIsKept() throws {
        let ports = ScratchPorts()
        try FileManager.default.createDirectory(atPath: ports.directory, withIntermediateDirectories: true)
        let lock = try FileLock(path: ports.owner("running"))
        lock.lock()
        try ports.writeClaim(first: 61000, owner: ports.owner("running"), time: 1_000)
        #expect(try ports.allocator().allocate(ownerLock: ports.owner("new")).first == 61010)
        lock.unlock()
        #expect(try ports.allocator().allocate(ownerLock: ports.owner("newer")).first == 61000)
    }

    @Test func ownerLockHeldByAnotherProcessKeepsTheClaim() throws {
        let ports = ScratchPorts()
        try FileManager.default.createDirectory(atPath: ports.directory, withIntermediateDirectories: true)
        let holder = Process()
        // One process that takes the lock and keeps it until it is ended.
        holder.executableURL = URL(fileURLWithPath: "/bin/sh")
        holder.arguments = ["-c", "exec 9>\"$0\"; flock 9; exec sleep 30", ports.owner("other")]
        try holder.run()
        defer { holder.terminate(); holder.waitUntilExit() }
        let deadline = Date().addingTimeInterval(10)
        while !FileLock.isHeld(at: ports.owner("other")) && Date() < deadline { usleep(10_000) }
        try ports.writeClaim(first: 61000, owner: ports.owner("other"), time: 1_000)
        #expect(try ports.allocator().allocate(ownerLock: ports.owner("new")).first == 61010)
    }

    @Test func blockWithAPortInUseIsSkipped() throws {
        let ports = ScratchPorts()
        let listener = try Listener(port: 61003)
        #expect(try ports.allocator().allocate(ownerLock: ports.owner("new")).first == 61010)
        withExtendedLifetime(listener) {}
    }

    @Test func claimOfAnotherBlockSizeIsRespected() throws {
        let ports = ScratchPorts()
        try ports.writeClaim(first: 61000, owner: ports.owner("wide"), time: Date().timeIntervalSince1970, block: "61000-61019")
        #expect(try ports.allocator().allocate(ownerLock: ports.owner("new")).first == 61020)
    }

    @Test func sameOwnerGetsItsBlockAgain() throws {
        let ports = ScratchPorts()
        let first = try ports.allocator().allocate(ownerLock: ports.owner("a"))
        #expect(try ports.allocator().allocate(ownerLock: ports.owner("a")) == first)
        #expect(ports.allocator().takenBlocks() == [first])
    }

    @Test func exhaustionNamesThePortRangeOnOneLine() throws {
        let ports = ScratchPorts()
        let allocator = ports.allocator(61000...61019)
        _ = try allocator.allocate(ownerLock: ports.owner("a"))
        _ = try allocator.allocate(ownerLock: ports.owner("b"))
        #expect {
            try allocator.allocate(ownerLock: ports.owner("c"))
        } throws: { error in
            let text = "\(error)"
            return text.contains("kanbots.port-range 61000-61019") && text.contains("kanbots.ports-per-run")
                && text.contains("git config kanbots.port-range 61000-61039") && !text.contains("\n")
        }
    }

    @Test func releaseFreesTheBlockOnlyForItsOwner() throws {
        let ports = ScratchPorts()
        let allocator = ports.allocator()
        let block = try allocator.allocate(ownerLock: ports.owner("a"))
        allocator.release(block, ownerLock: ports.owner("b"))
        #expect(allocator.takenBlocks() == [block])
        allocator.release(block, ownerLock: ports.owner("a"))
        #expect(allocator.takenBlocks().isEmpty)
        #expect(try allocator.allocate(ownerLock: ports.owner("c")) == block)
    }

    @Test func defaultDirectoryIsPerUser() {
        if ProcessInfo.processInfo.environment["KANBOTS_PORTS_DIR"] == nil {
            #expect(PortAllocator.defaultDirectory == "/tmp/kanbots-ports-\(getuid())")
        }
    }
}

/// Results gathered from many threads.
final class GatheredResults: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: [Result<PortBlock, Error>] = []

    // lock()/unlock(), not withLock: that one needs macOS 14.
    func append(_ result: Result<PortBlock, Error>) {
        lock.lock()
        stored.append(result)
        lock.unlock()
    }

    var values: [Result<PortBlock, Error>] {
        lock.lock()
        defer { lock.unlock() }
        return stored
    }
}

/// A TCP socket listening on 127.0.0.1:`port`, as a developer's dev server would.
final class Listener {
    let descriptor: Int32

    init(port: Int) throws {
        guard let descriptor = LoopbackSocket.bound(to: port), listen(descriptor, 1) == 0 else {
            throw POSIXError(.EADDRINUSE)
        }
        self.descriptor = descriptor
    }

    deinit { close(descriptor) }
}
