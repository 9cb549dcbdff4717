import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension Sandbox {
    /// Starts one of the project's fake services (a Python script that binds
    /// 127.0.0.1 on a free port and prints `PORT n` first) and waits for the
    /// port. Its stdout goes to a file so it can be read while it runs.
    func startLoopbackServer(_ script: String, _ arguments: [String], name: String,
                             timeout: TimeInterval) throws -> (process: RunningProcess, port: Int) {
        let output = root + "/\(name)-\(UUID().uuidString.prefix(6)).out"
        let process = try start("/bin/sh", [
            "-c", "exec python3 \(shellQuoted(script)) \(arguments.map(shellQuoted).joined(separator: " "))"
                + " > \(shellQuoted(output)) 2>>\(shellQuoted(output + ".err"))",
        ])
        var port: Int?
        _ = ProcessProbe.waitUntil(timeout: timeout, interval: 0.05) {
            let text = FileManager.default.contents(atPath: output).map { String(decoding: $0, as: UTF8.self) } ?? ""
            if let line = text.split(separator: "\n").first, line.hasPrefix("PORT "), text.contains("\n") {
                port = Int(line.dropFirst(5))
            }
            return port != nil || !process.isRunning
        }
        guard let port else {
            process.signal(SIGKILL)
            let result = try? process.wait(timeout: 5)
            let errors = read(output + ".err") ?? ""
            throw TestFailure("\(name) did not print PORT within \(Int(timeout))s: \(result.map(\.description) ?? "?") \(errors)")
        }
        return (process, port)
    }
}
