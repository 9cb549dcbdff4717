#!/usr/bin/env bash
# `git kanbots review --json` over 50 runs In review on a 5,000-file
# repository (each run changes 1-20 files, with deliberate overlaps: see
# bench-review-lib.sh), cold (no .git/kanbots/cache/review-*) and warm.
# Baseline, in the same run: `git merge-tree --write-tree` over the same
# merges review does (every run against main's tip, and every pair of runs
# that share a path), one git process per merge, as a script would.
# Also `board --json` with the verdicts against `board --json` with
# `kanbots.review.board false` (no readiness).
#
# Env: KANBOTS_BIN (binary; default: swift build -c release), BENCH_N (7),
#      BENCH_FILES (5000), BENCH_RUNS (50), BENCH_DIR or TMPDIR (where to build the
#      repository; default /tmp: use /dev/shm to keep the disk out).
# Targets: warm under 150 ms, cold under 2 s; board no slower than 1.2x.
set -euo pipefail
source "$(dirname "$0")/bench-lib.sh"
source "$(dirname "$0")/bench-review-lib.sh"

N=${BENCH_N:-7}
FILES=${BENCH_FILES:-5000}
RUNS=${BENCH_RUNS:-50}
repo=$(mktemp -d "$BENCH_TMP/kanbots-bench-review.XXXXXX")
trap '[ -n "${BENCH_KEEP:-}" ] && echo "kept $repo" >&2 || rm -rf "$repo"; bench_cleanup' EXIT

bench_log "generating $FILES files and $RUNS runs in review in $repo ..."
bench_make_review_repo "$repo" "$FILES" "$RUNS" overlap
pairs=$(wc -l <"$BENCH_TMP/pairs")
bench_log "$pairs pairs of runs share a path"

# The baseline: the same merges through git, one process each.
cat >"$BENCH_TMP/merge-tree.sh" <<SH
#!/bin/sh
cd "$repo" || exit 1
main=\$(git rev-parse main)
while read -r tip; do git merge-tree --write-tree "\$main" "\$tip" >/dev/null 2>&1; done <"$BENCH_TMP/tips"
while read -r a b; do git merge-tree --write-tree "\$a" "\$b" >/dev/null 2>&1; done <"$BENCH_TMP/pairs"
exit 0
SH
chmod +x "$BENCH_TMP/merge-tree.sh"
cat >"$BENCH_TMP/cold.sh" <<SH
#!/bin/sh
rm -f "$repo/.git/kanbots/cache/review-v1" "$repo/.git/kanbots/cache/review-pairs-v1" "$repo/.git/kanbots/cache/review-graph-v1"
cd "$repo" && exec git kanbots review --json
SH
chmod +x "$BENCH_TMP/cold.sh"

samples() { local i out=(); for ((i = 0; i < N; i++)); do out+=("$(bench_py time "$@")") || bench_die "failed: $*"; done; bench_py stats "${out[@]}"; }

(cd "$repo" && git kanbots review --json >"$BENCH_TMP/review.json")
python3 - "$BENCH_TMP/review.json" "$RUNS" <<'PY'
import collections, json, sys
entries = json.load(open(sys.argv[1]))["queue"]
assert len(entries) == int(sys.argv[2]), f"review lists {len(entries)} runs"
verdicts = collections.Counter(e["readiness"]["verdict"] for e in entries)
print("verdicts: " + ", ".join(f"{k} {v}" for k, v in sorted(verdicts.items())), file=sys.stderr)
assert verdicts["conflicts"] > 0 and verdicts.get("behind", 0) + verdicts.get("ready", 0) > 0, verdicts
PY

bench_log "measuring ..."
base=$(samples "$BENCH_TMP/merge-tree.sh")
cold=$(samples "$BENCH_TMP/cold.sh")
(cd "$repo" && git kanbots review --json >/dev/null)
warm=$(samples git -C "$repo" kanbots review --json)
# The board with and without verdicts, sample by sample in turn, so a busy
# machine weighs on both alike.
board_samples=() plain_samples=()
for ((i = 0; i < N; i++)); do
    board_samples+=("$(bench_py time git -C "$repo" kanbots board --json)") || bench_die "board --json failed"
    git -C "$repo" config kanbots.review.board false
    plain_samples+=("$(bench_py time git -C "$repo" kanbots board --json)") || bench_die "board --json failed"
    git -C "$repo" config --unset kanbots.review.board
done
board=$(bench_py stats "${board_samples[@]}")
plain=$(bench_py stats "${plain_samples[@]}")

echo
echo "bench-review: $RUNS runs in review, $FILES files, $pairs overlapping pairs, repo in $BENCH_TMP, median of N=$N (ms), $(git --version)"
bench_row "measurement" median min max "ratio"
# (bench_row's loop variable is `c`: keep clear of short names here.)
read -r base_ms base_lo base_hi <<<"$base"; read -r cold_ms cold_lo cold_hi <<<"$cold"
read -r warm_ms warm_lo warm_hi <<<"$warm"; read -r board_ms board_lo board_hi <<<"$board"
read -r plain_ms plain_lo plain_hi <<<"$plain"
bench_row "git merge-tree --write-tree (same merges)" "$base_ms" "$base_lo" "$base_hi" "1.00"
bench_row "review --json cold (no cache)" "$cold_ms" "$cold_lo" "$cold_hi" "$(bench_ratio "$cold_ms" "$base_ms")"
bench_row "review --json warm" "$warm_ms" "$warm_lo" "$warm_hi" "$(bench_ratio "$warm_ms" "$base_ms")"
bench_row "board --json without readiness" "$plain_ms" "$plain_lo" "$plain_hi" "1.00"
bench_row "board --json with readiness (warm)" "$board_ms" "$board_lo" "$board_hi" "$(bench_ratio "$board_ms" "$plain_ms")"
python3 - "$cold_ms" "$warm_ms" "$board_ms" "$plain_ms" <<'PY'
import sys
cold, warm, board, plain = map(float, sys.argv[1:])
print(f"   cold {cold:.0f} ms: {'under' if cold < 2000 else 'OVER'} the 2 s target; "
      f"warm {warm:.0f} ms: {'under' if warm < 150 else 'OVER'} the 150 ms target; "
      f"board {board / plain:.2f}x: {'within' if board / plain <= 1.2 else 'OVER'} the 1.2x target")
PY
