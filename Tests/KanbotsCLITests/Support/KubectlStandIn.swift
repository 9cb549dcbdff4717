import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The stand-in `kubectl` (Tests/Fixtures/kubectl-standin/kubectl.py) for
/// one test: no API server, a folder for its "cluster" and the log of its
/// calls; a created Job's container command runs on this machine.
final class KubectlStandIn {
    let sandbox: Sandbox
    let folder: String
    let python: String
    /// What a sandbox adds so that `kubectl` is the stand-in.
    let environment: [String: String]

    /// `kubernetes-validate` from KANBOTS_TEST_KUBERNETES_VALIDATE, else as
    /// scripts/install-kubernetes-validate.sh installs it into .tools.
    static func validator(_ sandbox: Sandbox) throws -> String {
        if let configured = ProcessInfo.processInfo.environment["KANBOTS_TEST_KUBERNETES_VALIDATE"], !configured.isEmpty {
            return configured
        }
        let result = try sandbox.run("/usr/bin/env", ["bash", Sandbox.packageRoot + "/scripts/install-kubernetes-validate.sh"],
                                     in: Sandbox.packageRoot, timeout: 900)
        guard result.succeeded, KanbotsBinary.isExecutableFile(result.output) else {
            throw TestFailure(
                "kubernetes-validate is missing: run scripts/install-kubernetes-validate.sh or set KANBOTS_TEST_KUBERNETES_VALIDATE (\(result))")
        }
        return result.output
    }

    init(_ sandbox: Sandbox) throws {
        self.sandbox = sandbox
        folder = sandbox.root + "/kubectl"
        python = (try Self.validator(sandbox) as NSString).deletingLastPathComponent + "/python"
        let bin = folder + "/bin"
        try FileManager.default.createDirectory(atPath: bin, withIntermediateDirectories: true)
        let script = Sandbox.packageRoot + "/Tests/Fixtures/kubectl-standin/kubectl.py"
        try Data("#!/bin/sh\nexec '\(python)' '\(script)' \"$@\"\n".utf8).write(to: URL(fileURLWithPath: bin + "/kubectl"))
        chmod(bin + "/kubectl", 0o755)
        environment = ["PATH": bin + ":" + (sandbox.environment["PATH"] ?? "/usr/bin:/bin"), "KUBECTL_STANDIN": folder]
    }

    /// Every call's arguments, in order.
    func calls() -> [[String]] {
        guard let data = FileManager.default.contents(atPath: folder + "/calls.log") else { return [] }
        return String(decoding: data, as: UTF8.self).split(separator: "\n").compactMap {
            try? JSONDecoder().decode([String].self, from: Data($0.utf8))
        }
    }

    /// A Secret the Job can name: its data become the pod's environment.
    func addSecret(_ name: String, _ data: [String: String]) throws {
        try FileManager.default.createDirectory(atPath: folder + "/secrets", withIntermediateDirectories: true)
        let text = data.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)\n" }.joined()
        try Data(text.utf8).write(to: URL(fileURLWithPath: folder + "/secrets/" + name))
    }

    /// Whether the Job's pod still has a process.
    func isRunning(_ job: String) -> Bool {
        guard let pid = FileManager.default.contents(atPath: folder + "/jobs/\(job)/pid")
            .flatMap({ pid_t(String(decoding: $0, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)) }) else { return false }
        return ProcessProbe.isAlive(pid)
    }

    /// SIGKILL to every process of the Job's pod, as if its node died.
    func killPod(_ job: String) throws {
        let result = try sandbox.run(python, [Sandbox.packageRoot + "/Tests/Fixtures/kubectl-standin/kubectl.py", "standin-kill", job],
                                     environment: ["KUBECTL_STANDIN": folder])
        guard result.succeeded else { throw TestFailure("could not kill the pod of \(job): \(result)") }
    }

    /// Ends whatever pods a failed test left running.
    func stop() {
        for job in (try? FileManager.default.contentsOfDirectory(atPath: folder + "/jobs")) ?? [] { try? killPod(job) }
    }
}
