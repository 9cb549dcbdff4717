#!/usr/bin/env bash
# A private Slurm cluster on this host, for the tests (SlurmCluster.swift)
# and the benchmarks (bench-slurm-*.sh): munged, slurmctld and one slurmd
# per node, everything in one folder, no systemd, no cgroups. Needs root and
# the Debian packages slurmctld slurmd slurm-client munge (scripts/test.sh
# installs them).
#
#   slurm-test-cluster.sh start DIR [NODES]   # nodes n1..nNODES (default 1); prints SLURM_CONF=DIR/slurm.conf
#   slurm-test-cluster.sh stop DIR            # scancel every job, then end the daemons by pid
#
# DIR must be short (munge's socket path must fit in a sockaddr_un, ~100
# bytes). What it takes on a machine without cgroups or systemd
# (docs/executors.md): munged wants its key folder mode 700 and its socket
# folder mode 755, as separate folders; Slurm finds munge through
# `AuthInfo=socket=…`; proctrack/linuxproc with task/none needs no cgroups;
# batch_sched_delay=0,sched_min_interval=0 starts a job about 0.4 s after
# sbatch; each node has its own Port= and its own `slurmd -N NAME`.
set -euo pipefail

usage() { echo "usage: $0 start DIR [NODES] | stop DIR" >&2; exit 2; }
[ $# -ge 2 ] || usage
action=$1 dir=$2
export SLURM_CONF=$dir/slurm.conf

configure() {
    local nodes=$1 port names="" i
    # Ports apart from other clusters running at the same time.
    port=$(( (RANDOM * 32768 + RANDOM) % 4000 * 10 + 20000 ))
    cat >"$SLURM_CONF" <<EOF
ClusterName=kanbots
SlurmctldHost=localhost(127.0.0.1)
SlurmctldPort=$port
SlurmdPort=$((port + 1))
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$dir/sock/munge.sock
StateSaveLocation=$dir/state/ctld
SlurmdSpoolDir=$dir/state/%n
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd-%n.pid
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd-%n.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/backfill
SchedulerParameters=batch_sched_delay=0,sched_min_interval=0
MpiDefault=none
ReturnToService=2
# scancel's SIGTERM-to-SIGKILL grace; how long squeue remembers an ended job.
KillWait=10
InactiveLimit=0
MinJobAge=2
EOF
    for i in $(seq 1 "$nodes"); do
        echo "NodeName=n$i NodeHostname=localhost NodeAddr=127.0.0.1 Port=$((port + 1 + i)) CPUs=2 RealMemory=2000 State=UNKNOWN" >>"$SLURM_CONF"
        names=${names:+$names,}n$i
    done
    echo "PartitionName=debug Nodes=$names Default=YES MaxTime=INFINITE State=UP OverSubscribe=FORCE:4" >>"$SLURM_CONF"
}

# Daemons write to files, never to a pipe: their forked children would keep it open.
daemon() { "$@" </dev/null >>"$dir/log/start.log" 2>&1 || { echo "$1 did not start; see $dir/log" >&2; return 1; }; }

start() {
    local nodes=${1:-1} i deadline
    [ "$(id -u)" -eq 0 ] || { echo "a private Slurm cluster needs root (slurmd runs jobs as their user)" >&2; exit 1; }
    for program in /usr/sbin/munged /usr/sbin/slurmctld /usr/sbin/slurmd /usr/bin/sbatch; do
        [ -x "$program" ] || { echo "$program is missing: apt-get install slurmctld slurmd slurm-client munge" >&2; exit 1; }
    done
    mkdir -p "$dir/key" "$dir/sock" "$dir/log" "$dir/state/ctld"
    for i in $(seq 1 "$nodes"); do mkdir -p "$dir/state/n$i"; done
    chmod 700 "$dir/key"
    chmod 755 "$dir/sock"
    head -c 1024 /dev/urandom >"$dir/key/munge.key"
    chmod 400 "$dir/key/munge.key"
    configure "$nodes"
    cd "$dir"
    daemon /usr/sbin/munged --key-file="$dir/key/munge.key" --socket="$dir/sock/munge.sock" \
        --pid-file="$dir/munged.pid" --log-file="$dir/log/munged.log" --seed-file="$dir/munge.seed" --force || { stop; exit 1; }
    daemon /usr/sbin/slurmctld -i || { stop; exit 1; }
    for i in $(seq 1 "$nodes"); do daemon /usr/sbin/slurmd -N "n$i" || { stop; exit 1; }; done
    deadline=$((SECONDS + 20))
    until [ "$(sinfo --noheader --Node --format=%t 2>/dev/null | grep -cx idle)" -eq "$nodes" ]; do
        if [ "$SECONDS" -ge "$deadline" ]; then
            echo "the Slurm cluster in $dir did not come up; see its log/" >&2
            stop
            exit 1
        fi
        sleep 0.1
    done
    echo "SLURM_CONF=$SLURM_CONF"
}

# Jobs first (else their steps outlive slurmd), then each daemon by its pid,
# slurmds first, munged last. A daemon may have inherited a blocked SIGTERM
# (from a test runner): SIGKILL after 2 s.
stop() {
    local deadline file pid
    scancel --full --user=root 2>/dev/null || true
    deadline=$((SECONDS + 15))
    while [ "$SECONDS" -lt "$deadline" ] && [ -n "$(squeue --noheader 2>/dev/null)" ]; do sleep 0.1; done
    for file in "$dir"/slurmd-*.pid "$dir/slurmctld.pid" "$dir/munged.pid"; do
        [ -f "$file" ] || continue
        pid=$(cat "$file")
        kill -TERM "$pid" 2>/dev/null || continue
        for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.02; done
        kill -KILL "$pid" 2>/dev/null || true
    done
}

case $action in
start) start "${3:-1}" ;;
stop) stop ;;
*) usage ;;
esac
