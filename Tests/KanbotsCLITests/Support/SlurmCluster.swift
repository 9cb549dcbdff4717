import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A private Slurm cluster for one test: munged, slurmctld and one slurmd per
/// node, all on this host, all in a temporary folder, without systemd. It
/// starts in well under two seconds; `stop` cancels its jobs first (else
/// their steps outlive slurmd), then ends each daemon by its pid.
///
/// What it takes on a machine without cgroups or systemd (docs/executors.md):
/// munged wants its key folder mode 700 and its socket folder mode 755, as
/// separate folders; Slurm finds munge through `AuthInfo=socket=…`;
/// `proctrack/linuxproc` with `task/none` needs no cgroups;
/// `batch_sched_delay=0,sched_min_interval=0` starts a job about 0.4 s after
/// sbatch; each node has its own `Port=` and its own `slurmd -N NAME`.
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

    /// Starts a cluster with `nodes` nodes named n1, n2, …
    init(nodes count: Int = 1) throws {
        // A short path: munge's socket path must fit in a sockaddr_un.
        folder = "/tmp/kbslurm-" + UUID().uuidString.prefix(8).lowercased()
        nodes = (1...count).map { "n\($0)" }
        for sub in ["key", "sock", "log", "state/ctld"] + nodes.map({ "state/" + $0 }) {
            try FileManager.default.createDirectory(atPath: folder + "/" + sub, withIntermediateDirectories: true)
        }
        chmod(folder + "/key", 0o700)
        chmod(folder + "/sock", 0o755)
        var key = [UInt8](repeating: 0, count: 1024)
        for index in key.indices { key[index] = UInt8.random(in: 0...255) }
        FileManager.default.createFile(atPath: folder + "/key/munge.key", contents: Data(key), attributes: [.posixPermissions: 0o400])
        // Ports apart from other tests' clusters running at the same time.
        let port = Int.random(in: 20_000...60_000) / 10 * 10
        try Data(Self.configuration(folder: folder, nodes: nodes, port: port).utf8).write(to: URL(fileURLWithPath: folder + "/slurm.conf"))
        do {
            try daemon("/usr/sbin/munged", [
                "--key-file=\(folder)/key/munge.key", "--socket=\(folder)/sock/munge.sock",
                "--pid-file=\(folder)/munged.pid", "--log-file=\(folder)/log/munged.log",
                "--seed-file=\(folder)/munge.seed", "--force",
            ])
            try daemon("/usr/sbin/slurmctld", ["-i"])
            for node in nodes { try daemon("/usr/sbin/slurmd", ["-N", node]) }
            try waitUntilIdle()
        } catch {
            stop()
            throw error
        }
    }

    static func configuration(folder: String, nodes: [String], port: Int) -> String {
        var lines = [
            "ClusterName=kanbots", "SlurmctldHost=localhost(127.0.0.1)",
            "SlurmctldPort=\(port)", "SlurmdPort=\(port + 1)",
            "SlurmUser=root", "SlurmdUser=root",
            "AuthType=auth/munge", "CredType=cred/munge", "AuthInfo=socket=\(folder)/sock/munge.sock",
            "StateSaveLocation=\(folder)/state/ctld", "SlurmdSpoolDir=\(folder)/state/%n",
            "SlurmctldPidFile=\(folder)/slurmctld.pid", "SlurmdPidFile=\(folder)/slurmd-%n.pid",
            "SlurmctldLogFile=\(folder)/log/slurmctld.log", "SlurmdLogFile=\(folder)/log/slurmd-%n.log",
            "ProctrackType=proctrack/linuxproc", "TaskPlugin=task/none",
            "JobAcctGatherType=jobacct_gather/none", "AccountingStorageType=accounting_storage/none",
            "SelectType=select/cons_tres", "SelectTypeParameters=CR_Core", "SchedulerType=sched/backfill",
            "SchedulerParameters=batch_sched_delay=0,sched_min_interval=0",
            // KillWait: scancel's SIGTERM-to-SIGKILL grace; MinJobAge: how long squeue remembers an ended job.
            "MpiDefault=none", "ReturnToService=2", "KillWait=10", "InactiveLimit=0", "MinJobAge=2",
        ]
        for (index, node) in nodes.enumerated() {
            lines.append("NodeName=\(node) NodeHostname=localhost NodeAddr=127.0.0.1 Port=\(port + 2 + index) "
                + "CPUs=2 RealMemory=2000 State=UNKNOWN")
        }
        lines.append("PartitionName=debug Nodes=\(nodes.joined(separator: ",")) Default=YES MaxTime=INFINITE "
            + "State=UP OverSubscribe=FORCE:4")
        return lines.joined(separator: "\n") + "\n"
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

    private func daemon(_ executable: String, _ arguments: [String]) throws {
        let (status, _) = try command(executable, arguments)
        guard status == 0 else {
            throw TestFailure("\(executable) did not start (exit \(status)); see \(folder)/log")
        }
    }

    private func waitUntilIdle(timeout: TimeInterval = 20) throws {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            let states = try command("/usr/bin/sinfo", ["--noheader", "--Node", "--format=%t"]).output
                .split(separator: "\n")
            if states.count == nodes.count, states.allSatisfy({ $0 == "idle" }) { return }
            usleep(100_000)
        }
        throw TestFailure("the Slurm cluster in \(folder) did not come up; see its log/")
    }

    private func pid(file: String) -> pid_t? {
        (try? String(contentsOfFile: folder + "/" + file, encoding: .utf8))
            .flatMap { pid_t($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
    }

    /// Cancels every job, then ends the daemons by pid, slurmds first, munged last.
    func stop() {
        _ = try? command("/usr/bin/scancel", ["--full", "--user=root"])
        let deadline = Date().addingTimeInterval(15)
        while Date() < deadline, let jobs = try? queue(), !jobs.isEmpty { usleep(100_000) }
        let files = nodes.map { "slurmd-\($0).pid" } + ["slurmctld.pid", "munged.pid"]
        for file in files {
            guard let pid = pid(file: file) else { continue }
            kill(pid, SIGTERM)
            // A daemon may inherit the test runner's blocked SIGTERM: SIGKILL soon after.
            let end = Date().addingTimeInterval(2)
            while kill(pid, 0) == 0, Date() < end { usleep(20_000) }
            if kill(pid, 0) == 0 { kill(pid, SIGKILL) }
        }
        if ProcessInfo.processInfo.environment["KANBOTS_KEEP_SANDBOX"] == nil {
            try? FileManager.default.removeItem(atPath: folder)
        }
    }
}
