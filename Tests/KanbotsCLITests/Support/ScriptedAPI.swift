import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One of the project's scripted model APIs (Tests/Fixtures/mock-*/server.py)
/// running on a loopback port, with its JSON-lines request log.
protocol ScriptedAPI {
    var process: RunningProcess { get }
    var logPath: String { get }
}

extension ScriptedAPI {
    /// The request log, one JSON object per request.
    func requests() -> [[String: Any]] {
        let text = FileManager.default.contents(atPath: logPath).map { String(decoding: $0, as: UTF8.self) } ?? ""
        return text.split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
    }

    func stop() {
        process.signal(SIGTERM)
        if (try? process.wait(timeout: 5)) == nil { process.signal(SIGKILL) }
    }
}

extension Sandbox {
    /// A real agent CLI: the path in `variable`, else what `scripts/<script>`
    /// prints (it installs the CLI under .tools/ when missing). Throws (the
    /// test fails) when neither works.
    func installedCLI(variable: String, script: String) throws -> String {
        if let configured = ProcessInfo.processInfo.environment[variable], !configured.isEmpty {
            guard KanbotsBinary.isExecutableFile(configured) else {
                throw TestFailure("\(variable)=\(configured) is not an executable file")
            }
            return configured
        }
        let result = try run("/usr/bin/env", ["bash", Sandbox.packageRoot + "/scripts/" + script], in: Sandbox.packageRoot,
                             environment: ["HOME": ProcessInfo.processInfo.environment["HOME"] ?? home],
                             timeout: 300)
        let path = result.output
        guard result.succeeded, KanbotsBinary.isExecutableFile(path) else {
            throw TestFailure("cannot get the CLI (set \(variable) or fix scripts/\(script)): \(result)")
        }
        return path
    }
}
