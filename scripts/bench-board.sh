#!/usr/bin/env bash
# `git kanbots board --json` over 10,000 recorded runs, against
# `git for-each-ref refs/kanbots/` in the same run; once with loose refs and
# once after `git pack-refs --all`.
#
# The runs are not dispatched: their records are written straight into git in
# the run store's own format (refs/kanbots/runs/<number>-<clone>, one commit
# per transition, `Key: value` message, empty tree; see RunRecord.message and
# docs/state-format.md) with one `git fast-import` stream. The mix: three
# clones' ids; most runs completed, failed or discarded with their branch
# gone; 50 runs whose branch still exists (1 commit ahead, 2 behind main);
# 3 runs still running on another host; 8 cards made with `card new`.
#
# Env: KANBOTS_BIN (binary; default: swift build -c release), BENCH_N (7),
#      BENCH_RUNS (10000). Target: board --json under 100 ms.
set -euo pipefail
source "$(dirname "$0")/bench-lib.sh"

N=${BENCH_N:-7}
RUNS=${BENCH_RUNS:-10000}
[ "$N" -ge 1 ] && [ "$N" -le 100 ] || bench_die "BENCH_N must be 1..100"
[ "$RUNS" -ge 100 ] && [ "$RUNS" -le 200000 ] || bench_die "BENCH_RUNS must be 100..200000"

repo=$BENCH_TMP/repo
bench_make_runs_repo "$repo" "$RUNS"

# Times a command N times after one warm-up; echoes "median min max".
# A slow command stops early (at least 3 samples) once it has used
# BENCH_BUDGET_SECONDS (default 40), so the script stays within minutes;
# the table says when that happened.
BUDGET_MS=$(( ${BENCH_BUDGET_SECONDS:-40} * 1000 ))
time_n() {
    local samples=() i spent=0 ms
    bench_py time "$@" >/dev/null || bench_die "failed: $*"
    for ((i = 0; i < N; i++)); do
        ms=$(bench_py time "$@") || bench_die "failed: $*"
        samples+=("$ms")
        spent=$((spent + ${ms%.*}))
        if ((i >= 2 && spent > BUDGET_MS && i + 1 < N)); then
            local what="$*"
            echo "${what#git -C "$repo" }: only ${#samples[@]} of $N samples (time budget)" >>"$BENCH_TMP/short"
            break
        fi
    done
    bench_py stats "${samples[@]}"
}

validate() {
    (cd "$repo" && git kanbots board --json >"$BENCH_TMP/board.json")
    python3 - "$BENCH_TMP/board.json" "$RUNS" <<'PY'
import json, sys
board = json.load(open(sys.argv[1]))
runs, want = board["runs"], int(sys.argv[2])
assert len(runs) == want, f"board --json has {len(runs)} runs, want {want}"
assert not board["unreadable"], f"unreadable records: {board['unreadable'][:3]}"
ids = {r["id"] for r in runs}
assert len(ids) == want, "duplicate run ids"
branches = sum(1 for r in runs if r["branch_exists"])
assert branches == 50, f"{branches} runs with a branch, want 50"
ahead = {(r["ahead"], r["behind"]) for r in runs if r["branch_exists"]}
assert ahead == {(1, 2)}, f"unexpected ahead/behind {ahead}"
PY
}

results=()
measure() {
    local label=$1 t1 t2 t3
    validate
    t1=$(time_n git -C "$repo" for-each-ref refs/kanbots/)
    t2=$(time_n git -C "$repo" for-each-ref --format='%(refname) %(contents)' refs/kanbots/)
    t3=$(time_n git -C "$repo" kanbots board --json)
    results+=("$label|${t1// /|}|${t2// /|}|${t3// /|}")
}

bench_log "measuring with loose refs ..."
measure "loose refs"
git -C "$repo" pack-refs --all
[ -z "$(find "$repo/.git/refs/kanbots" -type f)" ] || bench_die "pack-refs left loose run refs"
bench_log "measuring after git pack-refs --all ..."
measure "packed refs"

echo
echo "bench-board: $RUNS runs, $(git -C "$repo" for-each-ref refs/kanbots/cards | wc -l) cards, median of N=$N warm (ms), $(git --version)"
echo "board --json output validated: $RUNS runs, 0 unreadable, 50 with branches (+1/-2)"
bench_row "measurement" median min max "x for-each-ref"
for r in "${results[@]}"; do
    IFS='|' read -r label fer fer_lo fer_hi full full_lo full_hi board board_lo board_hi <<<"$r"
    echo "-- $label"
    bench_row "git for-each-ref refs/kanbots/" "$fer" "$fer_lo" "$fer_hi" "1.00"
    bench_row "git for-each-ref ... %(contents)" "$full" "$full_lo" "$full_hi" "$(bench_ratio "$full" "$fer")"
    bench_row "git kanbots board --json" "$board" "$board_lo" "$board_hi" "$(bench_ratio "$board" "$fer")"
    verdict=$(python3 -c 'import sys; print("under" if float(sys.argv[1]) < 100 else "OVER")' "$board")
    echo "   board --json: $board ms, $verdict the 100 ms target"
done
if [ -s "$BENCH_TMP/short" ]; then sed 's/^/note: /' "$BENCH_TMP/short"; fi
