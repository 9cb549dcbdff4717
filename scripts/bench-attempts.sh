#!/usr/bin/env bash
# Attempts and one-file pile-ups (issue 19): `board --json` and
# `review --json` must stay linear in the number of runs, and the board no
# slower than 1.2x the same board without readiness.
#
# Two shapes, each at a small and a large size (see bench-review-lib.sh):
#   attempts   RUNS attempts of card 1, each rewriting the same line
#              (were attempts conflicts, every pair would be one);
#   same-file  RUNS runs of different cards that each add CHANGES.md
#              (every pair conflicts).
# Reports bytes per run of both documents at both sizes (linear: about the
# same per run), the board's time with readiness (warm cache) against
# `kanbots.review.board false`, and review --json's time. The two boards are
# timed in turn, wall and CPU (user + system: on a shared machine the wall
# ratio swings with the load, the CPU ratio far less). As a control, the
# same number of runs of different cards that conflict with nothing
# (`disjoint`, on 5,000 files): what readiness costs per run without any pile-up.
#
# Env: KANBOTS_BIN (binary; default: swift build -c release), BENCH_N (7),
#      BENCH_FILES (1000), BENCH_ATTEMPTS ("10 50"), BENCH_SAME_FILE ("38 200"),
#      BENCH_NO_CONTROL (set: skip the disjoint control), BENCH_DIR or TMPDIR (where to build the repositories; default /tmp:
#      use /dev/shm to keep the disk out).
set -euo pipefail
source "$(dirname "$0")/bench-lib.sh"
source "$(dirname "$0")/bench-review-lib.sh"

N=${BENCH_N:-7}
FILES=${BENCH_FILES:-1000}
samples() { local i out=(); for ((i = 0; i < N; i++)); do out+=("$(bench_py time "$@")") || bench_die "failed: $*"; done; bench_py stats "${out[@]}"; }

rows=()
measure() {
    local mode=$1 runs=$2 files=${3:-$FILES} repo
    repo=$(mktemp -d "$BENCH_TMP/kanbots-bench-$mode-$runs.XXXXXX")
    bench_log "$mode: generating $runs runs on $files files in $repo ..."
    bench_make_review_repo "$repo" "$files" "$runs" "$mode"
    (cd "$repo" && git kanbots review --json >"$BENCH_TMP/review.json" && git kanbots board --json >"$BENCH_TMP/board.json")
    git -C "$repo" config kanbots.review.board false
    git -C "$repo" kanbots board --json >"$BENCH_TMP/plain.json"
    git -C "$repo" config --unset kanbots.review.board
    # What the documents say: every run listed, attempts never conflicts.
    python3 - "$BENCH_TMP/review.json" "$BENCH_TMP/board.json" "$mode" "$runs" <<'PY'
import json, sys
review, board, mode, runs = json.load(open(sys.argv[1])), json.load(open(sys.argv[2])), sys.argv[3], int(sys.argv[4])
queue = review["queue"]
assert len(queue) == runs, f"review lists {len(queue)} of {runs} runs"
most = max(e["readiness"]["conflicting_runs"] for e in queue)
expected = runs - 1 if mode == "same-file" else 0
assert most == expected, f"{mode}: a run conflicts with {most} runs, expected {expected}"
groups = len(board["conflict_groups"])
assert groups == (1 if mode == "same-file" else 0), f"{mode}: {groups} conflict groups"
print(f"{mode} {runs}: conflicting runs per run {most}, conflict groups {groups}", file=sys.stderr)
PY
    local board_samples=() plain_samples=() board_cpus=() plain_cpus=() i ms cpu
    for ((i = 0; i < N; i++)); do
        read -r ms cpu < <(bench_py time-cpu git -C "$repo" kanbots board --json) || bench_die "board --json failed"
        board_samples+=("$ms"); board_cpus+=("$cpu")
        git -C "$repo" config kanbots.review.board false
        read -r ms cpu < <(bench_py time-cpu git -C "$repo" kanbots board --json) || bench_die "board --json failed"
        plain_samples+=("$ms"); plain_cpus+=("$cpu")
        git -C "$repo" config --unset kanbots.review.board
    done
    local board plain review board_cpu plain_cpu
    board=$(bench_py stats "${board_samples[@]}"); plain=$(bench_py stats "${plain_samples[@]}")
    board_cpu=$(bench_py median "${board_cpus[@]}"); plain_cpu=$(bench_py median "${plain_cpus[@]}")
    review=$(samples git -C "$repo" kanbots review --json)
    local board_bytes plain_bytes review_bytes
    board_bytes=$(wc -c <"$BENCH_TMP/board.json"); plain_bytes=$(wc -c <"$BENCH_TMP/plain.json")
    review_bytes=$(wc -c <"$BENCH_TMP/review.json")
    rows+=("$mode $runs ${board%% *} ${plain%% *} ${review%% *} $board_bytes $plain_bytes $review_bytes $board_cpu $plain_cpu")
    rm -rf "$repo"
}

for runs in ${BENCH_ATTEMPTS:-10 50}; do measure attempts "$runs"; done
for runs in ${BENCH_SAME_FILE:-38 200}; do measure same-file "$runs"; done
[ -n "${BENCH_NO_CONTROL:-}" ] || measure disjoint "${runs:-200}" 5000

echo
echo "bench-attempts: $FILES files, repos in $BENCH_TMP, median of N=$N (ms), binary $KB, $(git --version)"
bench_row "shape, runs" "board ms" "no-readiness" "ratio" "CPU ratio" "review ms" "board B/run" "review B/run"
for row in "${rows[@]}"; do
    read -r mode runs board_ms plain_ms review_ms board_bytes plain_bytes review_bytes board_cpu plain_cpu <<<"$row"
    bench_row "$mode, $runs runs" "$board_ms" "$plain_ms" "$(bench_ratio "$board_ms" "$plain_ms")" \
        "$(bench_ratio "$board_cpu" "$plain_cpu")" "$review_ms" "$((board_bytes / runs))" "$((review_bytes / runs))"
done
python3 - "${rows[@]}" <<'PY'
import sys
rows = [r.split() for r in sys.argv[1:]]
control = [r for r in rows if r[0] == "disjoint"]
if control:
    r = control[0]
    print(f"   control: {r[1]} runs that conflict with nothing: board with readiness {float(r[2]) / float(r[3]):.2f}x "
          "(the per-run cost of readiness, pile-up or not)")
for mode in ("attempts", "same-file"):
    mine = [r for r in rows if r[0] == mode]
    if len(mine) < 2:
        continue
    small, large = mine[0], mine[-1]
    per = lambda r, i: int(r[i]) / int(r[1])
    growth = per(large, 5) / per(small, 5)
    worst = max(float(r[2]) / float(r[3]) for r in mine)
    worst_cpu = max(float(r[8]) / float(r[9]) for r in mine)
    print(f"   {mode}: board bytes per run {per(small, 5):.0f} at {small[1]} runs, {per(large, 5):.0f} at {large[1]} "
          f"({'linear' if growth < 1.5 else 'GROWS'}: x{growth:.2f}); review {per(small, 7):.0f} -> {per(large, 7):.0f} B/run; "
          f"board with readiness {worst:.2f}x wall, {worst_cpu:.2f}x CPU: "
          f"{'within' if worst <= 1.2 else 'OVER'} the 1.2x target (wall)")
PY
