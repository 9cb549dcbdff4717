#!/usr/bin/env bash
# `git kanbots dispatch --on slurm` until the agent has started on the node,
# against `sbatch --wrap` of the same agent command in the same run (target
# ≤ 1.5×). The agent writes the wall clock to a file the instant it starts;
# each sample is that instant minus the one before the command was run. The
# dispatch's share includes the claim, publishing the run to the remote,
# sbatch, and in the job: `git init`, the fetch of the run's refs, the
# worktree and the supervisor starting the agent (the job's own split is
# the `job: ready after …` line in each run's job.log). Each pair of samples
# starts at the same random phase of Slurm's 1 s start tick (see below), and
# the jobs' scratch clones are made under BENCH_DIR (kanbots.slurm.workdir).
#
# Last measured (release build, BENCH_DIR=/dev/shm, N=12, 2 shared cores):
# sbatch --wrap 0.76 s median, dispatch --on slurm 0.93 s (1.23×), each
# pair's difference 84 ms median; the code before job.sh's one-block config
# 0.60 s and 0.72 s (1.20×), 97 ms: the tick's spread hides a difference
# that size in the medians. The earlier 2.27× (1.11 s against 0.49 s) was
# the loop's rhythm giving the two sides different phases of the tick,
# plus the job's checkout on ext4 /tmp right after the previous job's rm -rf.
#
# Env: KANBOTS_BIN (binary; default: a release build), BENCH_N (10).
set -euo pipefail
source "$(dirname "$0")/bench-lib.sh"
source "$(dirname "$0")/bench-slurm-lib.sh"

N=${BENCH_N:-10}
[ "$N" -ge 1 ] && [ "$N" -le 50 ] || bench_die "BENCH_N must be 1..50"
slurm_bench_setup 1 "$((N + 1))"

# A Claude-shaped agent: the stamp first, then one result line. It finds
# the stamp's path in a file (the supervisor passes the agent only the
# environment agents need, so not a variable of ours).
agent=$BENCH_TMP/agent.sh
pointer=$BENCH_TMP/stamp-path
cat >"$agent" <<SH
#!/bin/sh
python3 -c 'import time; print(repr(time.time()))' >"\$(cat '$pointer')"
echo '{"type":"system","subtype":"init","session_id":"s-bench","model":"claude-haiku-4-5","tools":[]}'
echo '{"type":"result","subtype":"success","is_error":false,"num_turns":1,"total_cost_usd":0.0,"session_id":"s-bench"}'
SH
chmod +x "$agent"
git -C "$REPO" config kanbots.agent.claude.path "$agent"

now() { python3 -c 'import time; print(repr(time.time()))'; }
# This cluster starts a submitted job on a 1 s tick (measured: every job
# started at the same millisecond past the second, ±20 ms), so a sample's
# wait depends on where in that second it was submitted, and the loop's own
# rhythm gave the two sides different phases every time (2.27× of which
# most was that). Each pair of samples is submitted at the same random
# phase: the medians are what a submission at any moment sees, and each
# pair's difference is the dispatch's own cost.
at_phase() { python3 -c 'import sys, time; time.sleep((float(sys.argv[1]) - time.time()) % 1.0)' "$1"; }
# Seconds from START until the stamp appears (bounded), in ms.
await_stamp() {
    python3 - "$1" "$2" <<'PY'
import os, sys, time
stamp, start = sys.argv[1], float(sys.argv[2])
deadline = time.time() + float(os.environ.get("BENCH_TIMEOUT", "120"))
while time.time() < deadline:
    try:
        text = open(stamp).read().strip()
        if text:
            print(f"{(float(text) - start) * 1000:.1f}")
            sys.exit(0)
    except FileNotFoundError:
        pass
    time.sleep(0.005)
sys.exit("the agent never started")
PY
}

wrap=() kanbots=() extra=()
bench_log "measuring (N=$N, one node) ..."
for ((i = 0; i <= N; i++)); do
    phase=$(python3 -c 'import random; print(random.random())')
    BENCH_STAMP=$BENCH_TMP/stamp-wrap-$i
    echo "$BENCH_STAMP" >"$pointer"
    at_phase "$phase"
    start=$(now)
    sbatch --parsable --quiet --output=/dev/null --chdir=/tmp --wrap "$agent >/dev/null" >/dev/null
    w=$(await_stamp "$BENCH_STAMP" "$start") || bench_die "sbatch --wrap: $w"
    slurm_bench_queue_empty
    BENCH_STAMP=$BENCH_TMP/stamp-kanbots-$i
    echo "$BENCH_STAMP" >"$pointer"
    at_phase "$phase"
    start=$(now)
    (cd "$REPO" && git kanbots dispatch "$((i + 1))" --on slurm --agent claude >/dev/null) || bench_die "dispatch --on slurm failed"
    k=$(await_stamp "$BENCH_STAMP" "$start") || bench_die "dispatch --on slurm: $k"
    slurm_bench_queue_empty
    [ "$i" -eq 0 ] && continue   # warm-up
    wrap+=("$w") kanbots+=("$k") extra+=("$(python3 -c "print(f'{$k - $w:.1f}')")")
done
(cd "$REPO" && git kanbots sync >/dev/null)
done_runs=$(cd "$REPO" && git kanbots status --all --json | python3 -c 'import json,sys; print(sum(r["state"]=="completed" for r in json.load(sys.stdin)))')

read -r wm wlo whi <<<"$(bench_py stats "${wrap[@]}")"
read -r km klo khi <<<"$(bench_py stats "${kanbots[@]}")"
read -r em elo ehi <<<"$(bench_py stats "${extra[@]}")"
echo
echo "bench-slurm-dispatch: submission to agent started on the node, median of N=$N (ms), $(sbatch --version)"
echo "validated: $done_runs of $((N + 1)) dispatched runs came back completed by sync"
bench_row "measurement" median min max "x sbatch --wrap"
bench_row "sbatch --wrap AGENT" "$wm" "$wlo" "$whi" "1.00"
bench_row "git kanbots dispatch --on slurm" "$km" "$klo" "$khi" "$(bench_ratio "$km" "$wm")"
bench_row "dispatch minus --wrap, same phase" "$em" "$elo" "$ehi" "-"
