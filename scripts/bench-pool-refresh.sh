#!/usr/bin/env bash
# The pool's refresh after the base moves (docs/environment.md, "The pool
# prepares environments"), against plain git in the same run:
#
#   (a) git checkout --detach main      in a worktree one commit behind: the
#                                       same incremental checkout, nothing else
#   (b) git kanbots pool refill         the pool's entry one commit behind:
#                                       checkout, fingerprint, and the setup
#                                       only if what it depends on changed
#
# Each round commits a change to BENCH_CHANGED files on main that leaves
# `kanbots.setup-inputs` alone, so (b) must not run the setup: the setup
# counts its runs in a file, and the count is printed (it must stay 1, from
# the entry's first preparation). A last round changes requirements.txt, a
# setup input, and the count must go up by one.
#
# Env: KANBOTS_BIN (binary; default: swift build -c release), BENCH_N (7),
#      BENCH_FILES (5000), BENCH_CHANGED (100), BENCH_SETUP_SECONDS (2: how
#      long the counted setup takes), TMPDIR or BENCH_DIR (where the
#      repository goes; /dev/shm for memory).
#      Target: (b) < 2x (a), and no setup run.
set -euo pipefail
source "$(dirname "$0")/bench-lib.sh"

N=${BENCH_N:-7}
FILES=${BENCH_FILES:-5000}
CHANGED=${BENCH_CHANGED:-100}
SETUP_SECONDS=${BENCH_SETUP_SECONDS:-2}
[ "$N" -ge 1 ] && [ "$N" -le 100 ] || bench_die "BENCH_N must be 1..100"

repo=$BENCH_TMP/repo
counter=$BENCH_TMP/setup-count
bench_log "generating a $FILES-file repository ..."
bench_make_repo "$repo" "$FILES"
echo "click==8.1.8" >"$repo/requirements.txt"
git -C "$repo" add requirements.txt
git -C "$repo" commit -q -m "requirements"
git -C "$repo" config kanbots.setup "echo run >> '$counter'; sleep $SETUP_SECONDS"
git -C "$repo" config kanbots.setup-inputs 'requirements*.txt'
git -C "$repo" config kanbots.pool 1
git -C "$repo" kanbots pool refill
[ "$(wc -l <"$counter")" -eq 1 ] || bench_die "the first preparation did not run the setup once"
baseline=$BENCH_TMP/baseline
git -C "$repo" worktree add -q --detach "$baseline" main

# Moves main by one commit that changes $CHANGED files (not a setup input).
move_main() {
    local round=$1 path count=0
    # Read whole first: `head` closing a pipe early would fail the pipeline under pipefail.
    mapfile -t tracked < <(git -C "$repo" ls-files)
    for path in "${tracked[@]}"; do
        [ "$path" = requirements.txt ] && continue
        echo "round $round" >>"$repo/$path"
        count=$((count + 1))
        [ "$count" -lt "$CHANGED" ] || break
    done
    git -C "$repo" commit -q -am "round $round"
}

git_ms=() refill_ms=()
for ((i = 1; i <= N; i++)); do
    bench_log "round $i/$N"
    move_main "$i"
    git_ms+=("$(bench_py time git -C "$baseline" checkout -q --detach main)")
    refill_ms+=("$(bench_py time git -C "$repo" kanbots pool refill)")
done
runs_after_moves=$(wc -l <"$counter")

bench_log "a setup input changes ..."
echo "click==8.1.7" >"$repo/requirements.txt"
git -C "$repo" commit -q -am "requirements change"
input_ms=$(bench_py time git -C "$repo" kanbots pool refill)
runs_after_input=$(wc -l <"$counter")

# The same moves with no environment configured: the pool's refresh as it
# was before environments, to tell what the fingerprint adds.
git -C "$repo" config --unset-all kanbots.setup
git -C "$repo" config --unset-all kanbots.setup-inputs
git -C "$repo" kanbots pool refill
plain_ms=() plain_git_ms=()
for ((i = 1; i <= N; i++)); do
    move_main "plain-$i"
    plain_git_ms+=("$(bench_py time git -C "$baseline" checkout -q --detach main)")
    plain_ms+=("$(bench_py time git -C "$repo" kanbots pool refill)")
done

read -r g_med g_min g_max < <(bench_py stats "${git_ms[@]}")
read -r pg_med pg_min pg_max < <(bench_py stats "${plain_git_ms[@]}")
read -r p_med p_min p_max < <(bench_py stats "${plain_ms[@]}")
read -r r_med r_min r_max < <(bench_py stats "${refill_ms[@]}")
echo
echo "bench-pool-refresh: $FILES files, $CHANGED changed per move, median of N=$N (ms), $(nproc 2>/dev/null || echo '?') CPUs, $(git --version), in $BENCH_TMP"
bench_row "measurement" median min max "x git"
bench_row "git checkout --detach main (incremental)" "$g_med" "$g_min" "$g_max" "1.00"
bench_row "git kanbots pool refill (inputs unchanged)" "$r_med" "$r_min" "$r_max" "$(bench_ratio "$r_med" "$g_med")"
bench_row "git checkout (no environment rounds)" "$pg_med" "$pg_min" "$pg_max" "1.00"
bench_row "git kanbots pool refill (no environment)" "$p_med" "$p_min" "$p_max" "$(bench_ratio "$p_med" "$pg_med")"
echo "setup runs: 1 at the first preparation, $((runs_after_moves - 1)) during the $N base moves (want 0)"
echo "a setup input changed: refill took $input_ms ms with a ${SETUP_SECONDS}s setup; setup runs $((runs_after_input - runs_after_moves)) (want 1)"
bench_wait_supervisors 10
