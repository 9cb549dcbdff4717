#!/usr/bin/env bash
# `git kanbots sync` bringing 1,000 runs of another clone into a clone that
# has never seen them, against a plain `git fetch` of the same refs (the
# refspecs sync itself fetches with) in the same run.
#
# Setup: a bare remote; clone "srcb" writes BENCH_RUNS finished run records
# straight into git in the run store's format (`bench_py gen-runs`, one
# `git fast-import` stream; dispatching 1,000 demo runs would take minutes)
# and pushes them with plain git. A template clone is initialised and synced
# once (it has the cards, not the runs). Every sample starts from a fresh
# copy of that template, so each fetch and each sync transfers the objects
# and creates every ref, as a first sync really does. Also measured: a second
# sync with nothing new, against a second `git fetch` with nothing new.
#
# Env: KANBOTS_BIN (binary; default: swift build -c release), BENCH_N (5),
#      BENCH_RUNS (1000).
set -euo pipefail
source "$(dirname "$0")/bench-lib.sh"

N=${BENCH_N:-5}
RUNS=${BENCH_RUNS:-1000}
[ "$N" -ge 1 ] && [ "$N" -le 50 ] || bench_die "BENCH_N must be 1..50"
[ "$RUNS" -ge 10 ] && [ "$RUNS" -le 100000 ] || bench_die "BENCH_RUNS must be 10..100000"

remote=$BENCH_TMP/remote.git
seed=$BENCH_TMP/seed
bench_log "seeding a remote with 4 cards ..."
git init -q --bare "$remote"
mkdir -p "$seed"
git -C "$seed" init -q
bench_py gen-repo "$seed" 200 7
git -C "$seed" add -A
git -C "$seed" commit -q -m "initial tree"
git -C "$seed" remote add origin "$remote"
git -C "$seed" push -q origin main
(
    cd "$seed"
    git kanbots init >/dev/null
    for i in 1 2 3 4; do git kanbots card new "Card $i" >/dev/null; done
    git kanbots sync >/dev/null
)

# The clone that will receive them: set up before the runs exist.
template=$BENCH_TMP/template
git clone -q "$remote" "$template"
(cd "$template" && git kanbots init >/dev/null && git config kanbots.clone tgta && git kanbots sync >/dev/null)
[ "$(git -C "$template" for-each-ref refs/kanbots/runs | wc -l)" -eq 0 ] || bench_die "template already has runs"

bench_log "writing $RUNS run records in clone srcb and pushing them with plain git ..."
git clone -q "$remote" "$BENCH_TMP/srcb"
(
    cd "$BENCH_TMP/srcb"
    git kanbots init >/dev/null
    git config kanbots.clone srcb
    git kanbots sync >/dev/null
    bench_py gen-runs "$RUNS" srcb 4 "$(git rev-parse main)" src-host | git fast-import --quiet
    git push -q origin 'refs/kanbots/*:refs/kanbots/*'
)
[ "$(git -C "$remote" for-each-ref refs/kanbots/runs | wc -l)" -eq "$RUNS" ] || bench_die "remote lacks the runs"

# What `sync` fetches (Synchronizer.fetchRefspecs).
refspecs=('+refs/kanbots/*:refs/kanbots-remotes/origin/kanbots/*' '+refs/notes/kanbots*:refs/kanbots-remotes/origin/notes/kanbots*')

fresh() { rm -rf "$1"; cp -a "$template" "$1"; }

validate() {
    (cd "$1" && git kanbots board --json >"$BENCH_TMP/board.json")
    python3 - "$BENCH_TMP/board.json" "$RUNS" <<'PY'
import json, sys
board, want = json.load(open(sys.argv[1])), int(sys.argv[2])
runs = board["runs"]
assert len(runs) == want, f"board --json has {len(runs)} runs, want {want}"
assert len({r["id"] for r in runs}) == want, "duplicate run ids"
assert all(r["origin"]["clone"] == "srcb" and not r["origin"]["this_clone"] for r in runs), "wrong origin"
assert not board["unreadable"], board["unreadable"][:3]
PY
}

fetch_cold=() sync_cold=() fetch_warm=() sync_warm=()
bench_log "measuring (N=$N) ..."
for ((i = 0; i <= N; i++)); do
    fresh "$BENCH_TMP/w-fetch"
    f1=$(bench_py time git -C "$BENCH_TMP/w-fetch" fetch --quiet --no-tags --no-write-fetch-head origin "${refspecs[@]}") || bench_die "git fetch failed"
    f2=$(bench_py time git -C "$BENCH_TMP/w-fetch" fetch --quiet --no-tags --no-write-fetch-head origin "${refspecs[@]}") || bench_die "git fetch failed"
    fresh "$BENCH_TMP/w-sync"
    s1=$(bench_py time git -C "$BENCH_TMP/w-sync" kanbots sync) || bench_die "sync failed"
    before=$(git -C "$BENCH_TMP/w-sync" for-each-ref --format='%(objectname) %(refname)')
    s2=$(bench_py time git -C "$BENCH_TMP/w-sync" kanbots sync) || bench_die "second sync failed"
    [ "$before" = "$(git -C "$BENCH_TMP/w-sync" for-each-ref --format='%(objectname) %(refname)')" ] \
        || bench_die "a sync with nothing new changed refs"
    if [ "$i" -eq 0 ]; then validate "$BENCH_TMP/w-sync"; continue; fi   # warm-up, and the check
    fetch_cold+=("$f1") fetch_warm+=("$f2") sync_cold+=("$s1") sync_warm+=("$s2")
done

read -r fc fc_lo fc_hi <<<"$(bench_py stats "${fetch_cold[@]}")"
read -r sc sc_lo sc_hi <<<"$(bench_py stats "${sync_cold[@]}")"
read -r fw fw_lo fw_hi <<<"$(bench_py stats "${fetch_warm[@]}")"
read -r sw sw_lo sw_hi <<<"$(bench_py stats "${sync_warm[@]}")"
echo
echo "bench-sync: $RUNS runs ($((RUNS * 3)) commits) from another clone, median of N=$N (ms), $(git --version)"
echo "validated: board --json shows $RUNS runs, each once, origin srcb; a second sync left every ref alone"
bench_row "measurement" median min max "x git fetch"
bench_row "git fetch of the same refs (new)" "$fc" "$fc_lo" "$fc_hi" "1.00"
bench_row "git kanbots sync (new: fetch+merge)" "$sc" "$sc_lo" "$sc_hi" "$(bench_ratio "$sc" "$fc")"
bench_row "git fetch again (nothing new)" "$fw" "$fw_lo" "$fw_hi" "1.00"
bench_row "git kanbots sync again (nothing new)" "$sw" "$sw_lo" "$sw_hi" "$(bench_ratio "$sw" "$fw")"
