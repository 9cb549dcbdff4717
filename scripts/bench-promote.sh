#!/usr/bin/env bash
# Promotion cost against plain git in the same run, on a generated repository
# with a local bare remote and the fake GitHub (Tests/Fixtures/fake-github) on
# 127.0.0.1:
#
#   (a) git push origin B                        a plain branch with one new commit (baseline)
#   (b) git kanbots promote RUN                  grant + push through the hook + open a pull request
#   (c) git kanbots promote RUN (again)          push (nothing new) + update the same pull request
#   (d) git kanbots promote RUN --merge --into T   fast-forward of a branch not checked out
#   (e) git kanbots board --refresh              one GitHub call per promoted run (round i has i+1)
#       vs git kanbots board --json              the same board without asking GitHub
#
# (d) is measured against a plain fast-forward of another branch (`git fetch . B:T`).
# Median of N rounds; each round promotes a fresh finished demo run.
#
# Env: KANBOTS_BIN (binary; default: swift build -c release), BENCH_N (7), BENCH_FILES (2000).
set -euo pipefail
source "$(dirname "$0")/bench-lib.sh"

N=${BENCH_N:-7}
FILES=${BENCH_FILES:-2000}
[ "$N" -ge 1 ] && [ "$N" -le 50 ] || bench_die "BENCH_N must be 1..50"

repo=$BENCH_TMP/repo
remote=$BENCH_TMP/remote.git
bench_log "generating a $FILES-file repository ..."
bench_make_repo "$repo" "$FILES"
git init -q --bare "$remote"
git -C "$repo" remote add origin "$remote"
git -C "$repo" push -q origin main
(cd "$repo" && git kanbots init >/dev/null && git config kanbots.agent demo && git config kanbots.github.repo acme/tool)

python3 "$BENCH_ROOT/Tests/Fixtures/fake-github/server.py" --repo acme/tool --token bench-token \
    --max-lifetime 1800 >"$BENCH_TMP/fake.out" 2>/dev/null &
fake_pid=$!
trap 'kill $fake_pid 2>/dev/null || true; bench_cleanup' EXIT
for _ in $(seq 100); do grep -q '^PORT ' "$BENCH_TMP/fake.out" 2>/dev/null && break; sleep 0.05; done
port=$(sed -n 's/^PORT //p' "$BENCH_TMP/fake.out")
[ -n "$port" ] || bench_die "the fake GitHub did not start"
export GITHUB_API_URL=http://127.0.0.1:$port GH_TOKEN=bench-token NO_PROXY=127.0.0.1
unset GITHUB_TOKEN

bench_log "dispatching $((2 * N + 2)) demo runs ..."
card=$(cd "$repo" && git kanbots card new "Benchmark card")
ids=()
for ((i = 0; i < 2 * N + 2; i++)); do
    ids+=("$(cd "$repo" && git kanbots dispatch "$card" --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')")
done
for id in "${ids[@]}"; do
    for _ in $(seq 600); do
        state=$(git -C "$repo" log -1 --format=%B "refs/kanbots/runs/$id" | sed -n 's/^State: //p')
        case $state in queued | running) sleep 0.05 ;; *) break ;; esac
    done
    [ "$state" = completed ] || bench_die "run $id ended $state"
done

# A plain branch with one new commit, like a run's.
plain_branch() {
    local name=$1 tree commit
    tree=$(git -C "$repo" rev-parse "main^{tree}")
    commit=$(echo "plain $name" | git -C "$repo" commit-tree "$tree" -p main)
    git -C "$repo" branch -q -f "$name" "$commit"
}

push_ms=() promote_ms=() again_ms=() merge_ms=() ff_ms=() refresh_ms=() board_ms=()
k=0
for ((i = 0; i <= N; i++)); do
    bench_log "round $i/$N$([ "$i" = 0 ] && echo ' (warm-up)')"
    plain_branch "plain-$i"
    p=$(bench_py time git -C "$repo" push -q origin "plain-$i") || bench_die "plain push failed"
    id=${ids[$k]}; k=$((k + 1))
    a=$(cd "$repo" && bench_py time git kanbots promote "$id") || bench_die "promote $id failed"
    b=$(cd "$repo" && bench_py time git kanbots promote "$id") || bench_die "second promote $id failed"
    r=$(cd "$repo" && bench_py time git kanbots board --refresh) || bench_die "board --refresh failed"
    s=$(cd "$repo" && bench_py time git kanbots board --json) || bench_die "board failed"
    # --merge fast-forwards a scratch branch that is not checked out; baseline: the same with git.
    id=${ids[$k]}; k=$((k + 1))
    git -C "$repo" branch -q -f "target-$i" main
    m=$(cd "$repo" && bench_py time git kanbots promote "$id" --merge --into "target-$i") || bench_die "promote --merge failed"
    git -C "$repo" branch -q -f "ff-$i" main
    branch=$(git -C "$repo" log -1 --format=%B "refs/kanbots/runs/$id" | sed -n 's/^Branch: //p')
    f=$(bench_py time git -C "$repo" fetch -q . "$branch:ff-$i") || bench_die "git fast-forward failed"
    if [ "$i" -gt 0 ]; then
        push_ms+=("$p") promote_ms+=("$a") again_ms+=("$b") refresh_ms+=("$r") board_ms+=("$s") merge_ms+=("$m") ff_ms+=("$f")
    fi
done

echo
echo "bench-promote: $FILES files, median of N=$N (ms), $(nproc 2>/dev/null || echo '?') CPUs, $(git --version)"
bench_row "measurement" median min max "x baseline"
row() {
    local label=$1 base=$2; shift 2
    read -r med lo hi < <(bench_py stats "$@")
    bench_row "$label" "$med" "$lo" "$hi" "$(bench_ratio "$med" "$base")"
}
read -r push_med _ < <(bench_py stats "${push_ms[@]}")
read -r ff_med _ < <(bench_py stats "${ff_ms[@]}")
read -r board_med _ < <(bench_py stats "${board_ms[@]}")
row "git push origin B (baseline)" "$push_med" "${push_ms[@]}"
row "git kanbots promote RUN (push + open PR)" "$push_med" "${promote_ms[@]}"
row "git kanbots promote RUN again (update PR)" "$push_med" "${again_ms[@]}"
row "git fetch . B:T, a fast-forward (baseline)" "$ff_med" "${ff_ms[@]}"
row "git kanbots promote RUN --merge --into T" "$ff_med" "${merge_ms[@]}"
row "git kanbots board --json (baseline)" "$board_med" "${board_ms[@]}"
row "git kanbots board --refresh" "$board_med" "${refresh_ms[@]}"
