import Foundation
import KanbotsStore
import KanbotsSystem
import Testing

/// A temporary folder, removed at the end.
final class ScratchFolder {
    let path = NSTemporaryDirectory() + "kanbots-environment-tests-\(UUID().uuidString)"

    init() throws { try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true) }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    func write(_ text: String, to relativePath: String, mode: Int = 0o644) throws {
        let url = URL(fileURLWithPath: path + "/" + relativePath)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(text.utf8).write(to: url)
        try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: url.path)
    }

    func read(_ relativePath: String) -> String? { try? String(contentsOfFile: path + "/" + relativePath, encoding: .utf8) }
}

func permissions(_ path: String) -> Int? {
    (try? FileManager.default.attributesOfItem(atPath: path))?[.posixPermissions] as? Int
}

func linkText(_ path: String) -> String? { try? FileManager.default.destinationOfSymbolicLink(atPath: path) }

@Suite struct FileCloningTests {
    @Test func copiesAFileWithItsModeAndNeverOverwrites() throws {
        let scratch = try ScratchFolder()
        try scratch.write("#!/bin/sh\necho hi\n", to: "run.sh", mode: 0o751)
        try FileCloning.copyFile(from: scratch.path + "/run.sh", to: scratch.path + "/copy.sh")
        #expect(scratch.read("copy.sh") == "#!/bin/sh\necho hi\n")
        #expect(permissions(scratch.path + "/copy.sh") == 0o751)
        #expect {
            try FileCloning.copyFile(from: scratch.path + "/run.sh", to: scratch.path + "/copy.sh")
        } throws: { ($0 as? FileCloningError)?.code == EEXIST }
    }

    @Test func copiesATreeKeepingSymlinksAndModes() throws {
        let scratch = try ScratchFolder()
        try scratch.write("12345", to: "tree/bin/tool", mode: 0o755)
        try scratch.write("abc", to: "tree/lib/deep/data.txt")
        try FileManager.default.createSymbolicLink(atPath: scratch.path + "/tree/bin/alias", withDestinationPath: "tool")
        try FileManager.default.createSymbolicLink(atPath: scratch.path + "/tree/dangling", withDestinationPath: "/nowhere/at/all")
        try FileManager.default.createDirectory(atPath: scratch.path + "/tree/empty", withIntermediateDirectories: false)
        try FileManager.default.setAttributes([.posixPermissions: 0o750], ofItemAtPath: scratch.path + "/tree/lib")
        let bytes = try FileCloning.copyTree(from: scratch.path + "/tree", to: scratch.path + "/copy")
        #expect(bytes == 8)
        #expect(scratch.read("copy/bin/tool") == "12345")
        #expect(scratch.read("copy/lib/deep/data.txt") == "abc")
        #expect(permissions(scratch.path + "/copy/bin/tool") == 0o755)
        #expect(permissions(scratch.path + "/copy/lib") == 0o750)
        #expect(linkText(scratch.path + "/copy/bin/alias") == "tool")
        #expect(linkText(scratch.path + "/copy/dangling") == "/nowhere/at/all")
        #expect(FileManager.default.fileExists(atPath: scratch.path + "/copy/empty"))
    }

    @Test func aFailedTreeCopyLeavesNothing() throws {
        let scratch = try ScratchFolder()
        try scratch.write("a", to: "tree/a")
        try scratch.write("b", to: "tree/sub/b")
        // Tests run as root, which reads and writes anything; a tree copied
        // into itself fails part-way for real, once its path grows too long.
        #expect(throws: FileCloningError.self) {
            try FileCloning.copyTree(from: scratch.path + "/tree", to: scratch.path + "/tree/sub/copy")
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: scratch.path + "/tree/sub") == ["b"])
        #expect {
            try FileCloning.copyTree(from: scratch.path + "/tree", to: scratch.path + "/tree/a")
        } throws: { ($0 as? FileCloningError)?.code == EEXIST }
        #expect(scratch.read("tree/a") == "a")
    }

    @Test func aFullDiskReadsAsOutOfSpace() {
        let error = FileCloningError("write /x/.venv/lib/big.so", code: ENOSPC)
        #expect(error.isOutOfSpace)
        #expect(DiskSpace.isOutOfSpace(error))
        #expect(!DiskSpace.isOutOfSpace(FileCloningError("write /x", code: EACCES)))
    }
}
