#!/usr/bin/env bash
# `git kanbots fsck --json` over 10,000 recorded runs, against plain git's
# own checks of the same repository in the same run: `git for-each-ref
# refs/kanbots/` (list), `git for-each-ref ... %(contents)` (list and read
# every record) and `git fsck --connectivity-only` (walk every object).
# Once with loose refs and once after `git pack-refs --all`.
#
# The runs are written straight into git in the run store's format with one
# `git fast-import` stream (bench-lib.sh `gen-runs`: queued -> running ->
# completed/failed, three commits per run). 50 of them also get their branch
# (one commit ahead of main) with a `refs/notes/kanbots` note, so the
# orphan, worktree and notes checks have something to look at. The output is
# validated: fsck must find nothing.
#
# Env: KANBOTS_BIN (binary; default: swift build -c release), BENCH_N (5),
#      BENCH_RUNS (10000), TMPDIR (where the repository is made; use
#      TMPDIR=/dev/shm to keep the disk out of the figures).
set -euo pipefail
source "$(dirname "$0")/bench-lib.sh"

N=${BENCH_N:-5}
RUNS=${BENCH_RUNS:-10000}
[ "$N" -ge 1 ] && [ "$N" -le 100 ] || bench_die "BENCH_N must be 1..100"
[ "$RUNS" -ge 100 ] && [ "$RUNS" -le 200000 ] || bench_die "BENCH_RUNS must be 100..200000"

repo=$BENCH_TMP/repo
bench_log "generating the repository and $RUNS run records in $BENCH_TMP ..."
bench_tree_repo "$repo"
base=$(git -C "$repo" rev-parse HEAD)
(
    cd "$repo"
    git kanbots init >/dev/null
    git config kanbots.clone bnch
    for i in 1 2 3 4 5 6 7 8; do git kanbots card new "Card $i of the benchmark" >/dev/null; done
)
bench_py gen-runs "$RUNS" bnch 8 "$base" "$(hostname)" | git -C "$repo" fast-import --quiet
for n in $(seq 1 50); do
    id=$n-bnch
    card=$(git -C "$repo" log -1 --format=%B "refs/kanbots/runs/$id" | sed -n 's/^Card: //p')
    work=$(git -C "$repo" commit-tree -p "$base" -m "Work of run $id" -m "Kanbots-Run: $id" "$base^{tree}")
    git -C "$repo" update-ref "refs/heads/kanbots/issue-$card-$id" "$work"
    git -C "$repo" notes --ref=kanbots add -m "kanbots-run: $id card=$card agent=claude model=claude-sonnet-4-5" "$work"
done
loose=$(find "$repo/.git/refs/kanbots/runs" -type f | wc -l)
[ "$loose" -eq "$RUNS" ] || bench_die "expected $RUNS loose run refs, found $loose"
bench_log "$RUNS run refs written ($(git -C "$repo" rev-list --all --count) commits)"

time_n() {
    local samples=() i
    bench_py time "$@" >/dev/null || bench_die "failed: $*"
    for ((i = 0; i < N; i++)); do samples+=("$(bench_py time "$@")") || bench_die "failed: $*"; done
    bench_py stats "${samples[@]}"
}

validate() {
    (cd "$repo" && git kanbots fsck --json >"$BENCH_TMP/fsck.json") || bench_die "fsck found problems: $(head -c 600 "$BENCH_TMP/fsck.json")"
    python3 -c 'import json, sys; r = json.load(open(sys.argv[1])); assert r["ok"] and not r["findings"], r["findings"][:3]' \
        "$BENCH_TMP/fsck.json"
}

results=()
measure() {
    local label=$1 t1 t2 t3 t4
    validate
    t1=$(time_n git -C "$repo" for-each-ref refs/kanbots/)
    t2=$(time_n git -C "$repo" for-each-ref --format='%(refname) %(contents)' refs/kanbots/)
    t3=$(time_n git -C "$repo" fsck --connectivity-only --no-dangling)
    t4=$(time_n git -C "$repo" kanbots fsck --json)
    results+=("$label|${t1// /|}|${t2// /|}|${t3// /|}|${t4// /|}")
}

bench_log "measuring with loose refs ..."
measure "loose refs"
git -C "$repo" pack-refs --all
bench_log "measuring after git pack-refs --all ..."
measure "packed refs"

echo
echo "bench-fsck: $RUNS runs, 50 run branches with notes, median of N=$N warm (ms), in $(df -P "$BENCH_TMP" | awk 'NR==2 {print $1 " (" $6 ")"}'), $(git --version)"
echo "fsck --json output validated: ok, no findings"
bench_row "measurement" median min max "x for-each-ref" "x git fsck"
for r in "${results[@]}"; do
    IFS='|' read -r label fer fer_lo fer_hi full full_lo full_hi gfsck gfsck_lo gfsck_hi kfsck kfsck_lo kfsck_hi <<<"$r"
    echo "-- $label"
    bench_row "git for-each-ref refs/kanbots/" "$fer" "$fer_lo" "$fer_hi" "1.00" "$(bench_ratio "$fer" "$gfsck")"
    bench_row "git for-each-ref ... %(contents)" "$full" "$full_lo" "$full_hi" "$(bench_ratio "$full" "$fer")" "$(bench_ratio "$full" "$gfsck")"
    bench_row "git fsck --connectivity-only" "$gfsck" "$gfsck_lo" "$gfsck_hi" "$(bench_ratio "$gfsck" "$fer")" "1.00"
    bench_row "git kanbots fsck --json" "$kfsck" "$kfsck_lo" "$kfsck_hi" "$(bench_ratio "$kfsck" "$fer")" "$(bench_ratio "$kfsck" "$gfsck")"
done
