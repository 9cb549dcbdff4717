#!/usr/bin/env bash
# 20 remote runs finishing: `git kanbots sync` bringing their records,
# transcripts and branches home, against a plain `git fetch` of the same
# refs (the refspecs sync itself fetches with) in the same run (target ≤ 1.5×).
#
# Setup: BENCH_RUNS demo runs dispatched --on slurm to a two-node cluster
# and left to finish; the submitting clone is saved as a template before it
# syncs anything, so every sample starts from a fresh copy of it and
# transfers and writes everything, as the first sync after the runs really
# does (sync also gives each finished run its local branch).
#
# Env: KANBOTS_BIN, BENCH_N (5), BENCH_RUNS (20).
set -euo pipefail
source "$(dirname "$0")/bench-lib.sh"
source "$(dirname "$0")/bench-slurm-lib.sh"

N=${BENCH_N:-5}
RUNS=${BENCH_RUNS:-20}
slurm_bench_setup 2 "$RUNS"
git -C "$REPO" config kanbots.remote.checkpoint 2s

bench_log "dispatching $RUNS runs --on slurm and waiting for them ..."
for ((i = 1; i <= RUNS; i++)); do
    (cd "$REPO" && git kanbots dispatch "$i" --on slurm >/dev/null) || bench_die "dispatch $i failed"
done
slurm_bench_queue_empty 300
finished=$(git -C "$BENCH_TMP/remote.git" for-each-ref --format='%(contents)' refs/kanbots/runs | grep -c '^State: completed$' || true)
[ "$finished" -eq "$RUNS" ] || bench_die "only $finished of $RUNS runs completed on the remote"
template=$BENCH_TMP/template
cp -a "$REPO" "$template"

refspecs=('+refs/kanbots/*:refs/kanbots-remotes/origin/kanbots/*' '+refs/notes/kanbots*:refs/kanbots-remotes/origin/notes/kanbots*')
fresh() { rm -rf "$1"; cp -a "$template" "$1"; }

fetch=() sync=()
bench_log "measuring (N=$N) ..."
for ((i = 0; i <= N; i++)); do
    fresh "$BENCH_TMP/w-fetch"
    f=$(bench_py time git -C "$BENCH_TMP/w-fetch" fetch --quiet --no-tags --no-write-fetch-head origin "${refspecs[@]}") || bench_die "git fetch failed"
    fresh "$BENCH_TMP/w-sync"
    s=$(bench_py time git -C "$BENCH_TMP/w-sync" kanbots sync) || bench_die "sync failed"
    if [ "$i" -eq 0 ]; then   # warm-up, and the check
        branches=$(git -C "$BENCH_TMP/w-sync" for-each-ref refs/heads/kanbots/ | wc -l)
        [ "$branches" -eq "$RUNS" ] || bench_die "sync gave $branches of $RUNS runs their branch"
        continue
    fi
    fetch+=("$f") sync+=("$s")
done

read -r fm flo fhi <<<"$(bench_py stats "${fetch[@]}")"
read -r sm slo shi <<<"$(bench_py stats "${sync[@]}")"
echo
echo "bench-slurm-sync: $RUNS finished remote runs brought home, median of N=$N (ms), $(git --version)"
echo "validated: $RUNS runs completed on the remote; sync gave each its local branch"
bench_row "measurement" median min max "x git fetch"
bench_row "git fetch of the same refs" "$fm" "$flo" "$fhi" "1.00"
bench_row "git kanbots sync (fetch+merge+branches)" "$sm" "$slo" "$shi" "$(bench_ratio "$sm" "$fm")"
