# shellcheck shell=bash
# Shared setup for scripts/bench-slurm-*.sh (sourced after bench-lib.sh): a
# private Slurm cluster (scripts/slurm-test-cluster.sh, the tests' own) and
# a clone with cards whose remote is a bare repository the nodes reach by
# path. Needs root and the Slurm packages (scripts/test.sh installs them).

# The cluster's folder must be short (munge's socket path), so not in BENCH_TMP.
SLURM_BENCH_DIR=$(mktemp -d /tmp/kbbench-XXXXXX)
slurm_bench_stop() {
    "$BENCH_ROOT/scripts/slurm-test-cluster.sh" stop "$SLURM_BENCH_DIR" >/dev/null 2>&1 || true
    rm -rf "$SLURM_BENCH_DIR"
    bench_cleanup
}
trap slurm_bench_stop EXIT

# slurm_bench_setup NODES CARDS: starts the cluster, makes $BENCH_TMP/repo
# (CARDS cards, pushed to $BENCH_TMP/remote.git) and puts kanbots-supervisor
# beside git-kanbots on PATH, as the nodes need it.
slurm_bench_setup() {
    local nodes=$1 cards=$2 i
    "$BENCH_ROOT/scripts/slurm-test-cluster.sh" start "$SLURM_BENCH_DIR" "$nodes" >/dev/null \
        || bench_die "the private Slurm cluster did not start"
    export SLURM_CONF=$SLURM_BENCH_DIR/slurm.conf
    ln -sf "$(dirname "$KB")/kanbots-supervisor" "$BENCH_TMP/bin/kanbots-supervisor"
    [ -x "$BENCH_TMP/bin/kanbots-supervisor" ] || bench_die "no kanbots-supervisor beside $KB"
    git init -q --bare "$BENCH_TMP/remote.git"
    REPO=$BENCH_TMP/repo
    bench_tree_repo "$REPO"
    (
        cd "$REPO"
        git remote add origin "$BENCH_TMP/remote.git"
        git push -q origin main
        git kanbots init >/dev/null
        # The agents write their stamps outside their worktree, and the
        # baseline (sbatch --wrap) runs unconfined too.
        git config kanbots.sandbox off
        # The jobs' scratch clones go where BENCH_DIR says, as the benchmark's
        # repositories do (else /tmp: on ext4 each job's 200-file checkout
        # right after the last job's `rm -rf` took 200-400 ms).
        mkdir -p "$BENCH_TMP/scratch"
        git config kanbots.slurm.workdir "$BENCH_TMP/scratch"
        for ((i = 1; i <= cards; i++)); do git kanbots card new "Card $i" >/dev/null; done
        git kanbots sync >/dev/null
    )
}

# slurm_bench_queue_empty: waits (bounded) until squeue lists no job.
slurm_bench_queue_empty() {
    local deadline=$((SECONDS + ${1:-120}))
    while [ -n "$(squeue --noheader)" ]; do
        [ "$SECONDS" -lt "$deadline" ] || bench_die "jobs still queued: $(squeue --noheader | head -3)"
        sleep 0.1
    done
}
