import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A private Slurm cluster for one test, started and stopped by
/// scripts/slurm-test-cluster.sh (the benchmarks use the same script):
/// munged, slurmctld and one slurmd per node, all on this host, all in a
/// temporary folder, without systemd. It starts in well under two seconds;
/// stopping cancels its jobs first (else their steps outlive slurmd), then
/// ends each daemon by its pid. What it takes: see the script and
/// docs/executors.md.
final class SlurmCluster {
    let folder: String
    let nodes: [String]
    /// What every Slurm command needs to find this cluster (`SLURM_CONF`).
    var environment: [String: String] { ["SLURM_CONF": folder + "/slurm.conf"] }

    /// Whether this machine can start one (the Debian packages are installed).
    static var isAvailable: Bool {
        ["/usr/sbin/munged", "/usr/sbin/slurmctld", "/usr/sbin/slurmd", "/usr/bin/sbatch"].allSatisfy {
            FileManager.default.isExecutableFile(atPath: $0)
        } && getuid() == 0
    }

    static let script = Sandbox.packageRoot + "/scripts/slurm-test-cluster.sh"

    /// Starts a cluster with `nodes` nodes named n1, n2, …
    init(nodes count: Int = 1) throws {
        // A short path: munge's socket path must fit in a sockaddr_un.
        folder = "/tmp/kbslurm-" + UUID().uuidString.prefix(8).lowercased()
        nodes = (1...count).map { "n\($0)" }
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let (status, output) = try command("/bin/bash", [Self.script, "start", folder, String(count)])
        guard status == 0 else {
            stop()
            throw TestFailure("the Slurm cluster in \(folder) did not come up (exit \(status)): \(output); see its log/")
        }
    }

    /// Runs a Slurm command against this cluster; returns its exit status and stdout.
    @discardableResult
    func command(_ executable: String, _ arguments: [String]) throws -> (status: Int32, output: String) {
        // posix_spawn and waitpid (RunningProcess), output in files: a
        // daemon's forked child would keep a pipe open forever.
        let result = try RunningProcess(
            executable: executable, arguments: arguments, directory: folder,
            environment: ProcessInfo.processInfo.environment.merging(environment) { _, new in new },
            ioDirectory: folder).wait(timeout: 60)
        return (result.status, result.stdout)
    }

    /// Jobs squeue knows, as `id|name|state|node`.
    func queue() throws -> [String] {
        try command("/usr/bin/squeue", ["--noheader", "--format=%i|%j|%T|%N"]).output
            .split(separator: "\n").map(String.init)
    }

    /// SIGKILLs every process of a job at once, as a node dying under it
    /// would: nothing in it can record or push anything. (Killing slurmd
    /// alone leaves the job RUNNING until SlurmdTimeout, minutes.)
    func killJobProcesses(_ job: String) {
        let marker = "SLURM_JOB_ID=\(job)"
        for entry in (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? [] {
            guard let pid = pid_t(entry), pid != getpid(),
                  let environ = FileManager.default.contents(atPath: "/proc/\(entry)/environ") else { continue }
            if environ.split(separator: 0).contains(where: { String(decoding: $0, as: UTF8.self) == marker }) {
                kill(pid, SIGKILL)
            }
        }
    }

    /// Cancels every job, then ends the daemons by pid, slurmds first, munged last.
    func stop() {
        _ = try? command("/bin/bash", [Self.script, "stop", folder])
        if ProcessInfo.processInfo.environment["KANBOTS_KEEP_SANDBOX"] == nil {
            try? FileManager.default.removeItem(atPath: folder)
        }
    }
}
