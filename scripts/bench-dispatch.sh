#!/usr/bin/env bash
# Dispatch latency on a generated repository, against plain git in the same run.
#
#   (a) git worktree add -b B PATH main            (command start to exit)
#   (b) git kanbots dispatch 1                     (command start to "agent started")
#
# "Agent started" = the demo agent's first stdout line has landed in
# .git/kanbots/runs/<id>/transcript.ndjson (polled every 0.25 ms). Also shown:
# when dispatch itself returns, when the supervisor opened the transcript (it is
# about to spawn the agent), and when the run's ref moved to `running`.
# Median of N runs (after one warm-up of each), both measured alternately.
#
# Each round dispatches with the worktree pool off, cold (empty, refilling in
# the background) and warm (two entries ready at main's tip).
#
# Env: KANBOTS_BIN (binary; default: swift build -c release), BENCH_N (7),
#      BENCH_FILES (5000), BENCH_SANDBOX (kanbots.sandbox for the runs: auto,
#      on or off; default: auto, i.e. bubblewrap when installed), TMPDIR (where
#      the repository goes; /dev/shm for memory), BENCH_SETUP (a setup command
#      every run needs, e.g. `sleep 10` as a stand-in for a 10 s install; the
#      pool prepares it in advance, docs/environment.md).
#      Target: agent started <= 0.25x git worktree add, warm pool (with a setup
#      too); with the pool off, the setup's time plus the overhead without one.
# What confinement adds: run it with BENCH_SANDBOX=on and =off and compare.
set -euo pipefail
source "$(dirname "$0")/bench-lib.sh"

N=${BENCH_N:-7}
FILES=${BENCH_FILES:-5000}
[ "$N" -ge 1 ] && [ "$N" -le 100 ] || bench_die "BENCH_N must be 1..100"

repo=$BENCH_TMP/repo
bench_log "generating a $FILES-file repository ..."
bench_make_repo "$repo" "$FILES"
SANDBOX=${BENCH_SANDBOX:-auto}
git -C "$repo" config kanbots.sandbox "$SANDBOX"
SETUP=${BENCH_SETUP:-}
[ -z "$SETUP" ] || git -C "$repo" config kanbots.setup "$SETUP"
baseline_dir=$repo/.kanbots/baseline
mkdir -p "$baseline_dir"

# One plain `git worktree add -b`, timed; then removed again.
git_once() {
    local tag=$1 ms
    ms=$(bench_py time git -C "$repo" worktree add -b "bench-$tag" "$baseline_dir/wt-$tag" main) ||
        bench_die "git worktree add failed"
    git -C "$repo" worktree remove --force "$baseline_dir/wt-$tag"
    git -C "$repo" branch -q -D "bench-$tag"
    echo "$ms"
}

# Waits (bounded) for a run's record to reach a finished state.
wait_finished() {
    local id=$1 i state
    for ((i = 0; i < 600; i++)); do
        state=$(git -C "$repo" log -1 --format=%B "refs/kanbots/runs/$id" | sed -n 's/^State: //p')
        case $state in queued | running | awaiting_decision) sleep 0.05 ;; *) echo "$state"; return 0 ;; esac
    done
    bench_die "run $id did not finish within 30 s"
}

# One dispatch, timed to its milestones; then the run is discarded.
kanbots_once() {
    local json id state
    json=$(bench_py dispatch "$repo/.git/kanbots/runs" "$repo/.git/refs/kanbots/runs" 60 \
        git -C "$repo" kanbots dispatch 1) || bench_die "dispatch failed: $json $(cat "$BENCH_TMP/dispatch.out")"
    id=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["run"])' "$json")
    state=$(wait_finished "$id")
    [ "$state" = completed ] || bench_die "run $id ended $state"
    git -C "$repo" kanbots discard "$id" >/dev/null
    echo "$json"
}

# Waits (bounded) until the pool has $1 ready entries, i.e. background refills are done.
wait_pool() {
    local want=$1 i
    for ((i = 0; i < 2400; i++)); do
        [ "$(git -C "$repo" kanbots pool --json | python3 -c 'import json,sys; print(sum(e["state"] == "ready" for e in json.load(sys.stdin)["entries"]))')" -ge "$want" ] && return 0
        sleep 0.05
    done
    bench_die "the pool did not reach $want ready entries within 120 s"
}

# The pool in one of three modes before a dispatch: off (kanbots.pool 0, the
# checkout path), cold (kanbots.pool 2 but empty: checkout, and a refill
# starts in the background), warm (2 ready entries at main's tip).
pool_mode() {
    case $1 in
        off) git -C "$repo" config kanbots.pool 0; git -C "$repo" kanbots pool empty >/dev/null ;;
        cold) git -C "$repo" config kanbots.pool 2; git -C "$repo" kanbots pool empty >/dev/null ;;
        warm) git -C "$repo" config kanbots.pool 2; git -C "$repo" kanbots pool refill; wait_pool 2 ;;
    esac
}

modes=(off cold warm)
bench_log "warm-up ..."
git_once warm >/dev/null
for mode in "${modes[@]}"; do pool_mode "$mode"; kanbots_once >/dev/null; done
wait_pool 2

git_ms=()
declare -A exit_ms spawn_ms running_ms first_ms
for ((i = 1; i <= N; i++)); do
    bench_log "round $i/$N"
    git -C "$repo" config kanbots.pool 2; wait_pool 2     # no refill running during the baseline
    git_ms+=("$(git_once "$i")")
    for mode in "${modes[@]}"; do
        pool_mode "$mode"
        k=$(kanbots_once)
        read -r e s r f < <(python3 -c 'import json,sys; d=json.loads(sys.argv[1]); print(d["exit_ms"], d["transcript_ms"], d["running_ms"], d["first_line_ms"])' "$k")
        exit_ms[$mode]+="$e " spawn_ms[$mode]+="$s " running_ms[$mode]+="$r " first_ms[$mode]+="$f "
    done
done

read -r g_med g_min g_max < <(bench_py stats "${git_ms[@]}")
echo
echo "bench-dispatch: $FILES files, kanbots.sandbox=$SANDBOX, setup=${SETUP:-none}, median of N=$N (ms), $(nproc 2>/dev/null || echo '?') CPUs, $(git --version), in $BENCH_TMP"
bench_row "measurement" median min max "x git"
bench_row "git worktree add -b B PATH main (exit)" "$g_med" "$g_min" "$g_max" "1.00"
for mode in "${modes[@]}"; do
    echo "-- pool $mode"
    for pair in "dispatch returned (exit)|exit_ms" "dispatch -> supervisor spawning agent|spawn_ms" \
        "dispatch -> record State: running|running_ms" "dispatch -> agent started (1st line)|first_ms"; do
        label=${pair%%|*} var=${pair##*|}
        declare -n values=$var
        # shellcheck disable=SC2086
        read -r med lo hi < <(bench_py stats ${values[$mode]})
        bench_row "$label" "$med" "$lo" "$hi" "$(bench_ratio "$med" "$g_med")"
        unset -n values
    done
    # shellcheck disable=SC2086
    read -r f_med _ < <(bench_py stats ${first_ms[$mode]})
    echo "   pool $mode: agent started / git worktree add = $(bench_ratio "$f_med" "$g_med")x (target with a warm pool <= 0.25x)"
done
