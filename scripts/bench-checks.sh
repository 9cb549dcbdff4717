#!/usr/bin/env bash
# Cost of checks and scope watching, with real supervisors and the release binary.
#
#   1. Scope watching: while an agent works, its supervisor diffs the worktree
#      against the run's start commit every 2 s (libgit2, untracked files
#      included). A fake `claude` writes two files (one out of scope) and
#      stays BENCH_AGENT_SECONDS; the supervisor's CPU seconds (its own
#      getrusage, from supervisor.log) are compared for a card with a scope
#      and one without, on a BENCH_FILES-file repository. Reported: the extra
#      CPU per look, and as the plain-git baseline in the same run what one
#      look costs with git (`git status --porcelain -uall` plus
#      `git diff --name-only START`, in the same worktree).
#   2. `git kanbots check RUN` with one trivial check (`true`): its wall time
#      against `git status --porcelain` in the run's worktree (one git look at
#      the worktree) and against running the check alone (`sh -c true`).
#
# Medians of BENCH_N. Env: KANBOTS_BIN, BENCH_FILES (5000), BENCH_N (3),
# BENCH_AGENT_SECONDS (20). Run it under TMPDIR=/dev/shm to keep the disk out.
set -euo pipefail
source "$(dirname "$0")/bench-lib.sh"

FILES=${BENCH_FILES:-5000}
N=${BENCH_N:-3}
AGENT_SECONDS=${BENCH_AGENT_SECONDS:-20}
repo=$BENCH_TMP/repo
bench_log "generating a $FILES-file repository ..."
bench_make_repo "$repo" "$FILES"
git -C "$repo" config kanbots.checkpoint-minutes 0
(cd "$repo" && git kanbots card new "Scoped" --scope 'src/**' >/dev/null)

agent=$BENCH_TMP/fake-claude
cat >"$agent" <<SH
#!/bin/sh
echo '{"type":"system","subtype":"init","session_id":"bench","model":"claude-sonnet-4-5","cwd":"."}'
mkdir -p src docs && echo change > src/bench-change.txt && echo change > docs/bench-out.txt
sleep $AGENT_SECONDS
echo '{"type":"result","subtype":"success","is_error":false,"num_turns":1,"total_cost_usd":0.01,"session_id":"bench"}'
SH
chmod +x "$agent"
git -C "$repo" config kanbots.agent.claude.path "$agent"

wait_finished() {
    local id=$1 i state
    for ((i = 0; i < 12000; i++)); do
        state=$(git -C "$repo" log -1 --format=%B "refs/kanbots/runs/$id" | sed -n 's/^State: //p')
        case $state in queued | running | awaiting_decision) sleep 0.05 ;; *) echo "$state"; return 0 ;; esac
    done
    bench_die "run $id did not finish within 600 s"
}
dispatch_id() { (cd "$repo" && git kanbots dispatch "$1" --agent claude --json) | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])'; }
supervisor_cpu() {
    sed -n 's/^supervisor: done cpu_seconds=\([0-9.]*\).*/\1/p' "$repo/.git/kanbots/runs/$1/supervisor.log" | tail -1
}

# --- 1. scope watching ---------------------------------------------------------------
plain_cpu=() scoped_cpu=() last_scoped=
for ((i = 1; i <= N; i++)); do
    bench_log "round $i/$N: an unscoped and a scoped run of ${AGENT_SECONDS}s each ..."
    id=$(dispatch_id 1); wait_finished "$id" >/dev/null; plain_cpu+=("$(supervisor_cpu "$id")")
    id=$(dispatch_id 2); state=$(wait_finished "$id"); scoped_cpu+=("$(supervisor_cpu "$id")")
    [ "$state" = completed ] || bench_die "scoped run $id ended $state"
    git -C "$repo" log -1 --format=%B "refs/kanbots/runs/$id" | grep -q '^Scope-Violation: docs/bench-out.txt' \
        || bench_die "scoped run $id flagged nothing"
    last_scoped=$id
done
plain=$(bench_median "${plain_cpu[@]}")
scoped=$(bench_median "${scoped_cpu[@]}")
looks=$(python3 -c "print(max(1, int($AGENT_SECONDS / 2)))")
per_look=$(python3 -c "print(f'{max(0.0, ($scoped - $plain)) * 1000 / $looks:.2f}')")

worktree=$repo/$(git -C "$repo" log -1 --format=%B "refs/kanbots/runs/$last_scoped" | sed -n 's/^Worktree: //p')
start=$(git -C "$repo" log -1 --format=%B "refs/kanbots/runs/$last_scoped" | sed -n 's/^Base-Commit: //p')
git_look=()
for ((i = 1; i <= 10; i++)); do
    t=$(python3 - "$worktree" "$start" <<'PY'
import subprocess, sys, time
worktree, start = sys.argv[1], sys.argv[2]
t0 = time.perf_counter()
subprocess.run(["git", "-C", worktree, "status", "--porcelain", "-uall"], stdout=subprocess.DEVNULL, check=True)
subprocess.run(["git", "-C", worktree, "diff", "--name-only", start], stdout=subprocess.DEVNULL, check=True)
print(f"{(time.perf_counter() - t0) * 1000:.3f}")
PY
)
    git_look+=("$t")
done
git_per_look=$(bench_median "${git_look[@]}")

# --- 2. git kanbots check ----------------------------------------------------------------
git -C "$repo" config --add kanbots.check true
check_ms=() status_ms=() sh_ms=()
for ((i = 1; i <= N + 2; i++)); do
    check_ms+=("$(cd "$repo" && bench_py time "$KB" check "$last_scoped")")
    status_ms+=("$(bench_py time git -C "$worktree" status --porcelain)")
    sh_ms+=("$(cd "$worktree" && bench_py time sh -c true)")
done
check=$(bench_median "${check_ms[@]}")
status=$(bench_median "${status_ms[@]}")
shell=$(bench_median "${sh_ms[@]}")

echo
echo "checks and scope, $FILES-file repository, medians of $N (in $BENCH_TMP's filesystem)"
bench_row "" "value" "plain git" "ratio"
bench_row "supervisor CPU, ${AGENT_SECONDS}s run, no scope (s)" "$plain"
bench_row "supervisor CPU, ${AGENT_SECONDS}s run, scoped (s)" "$scoped"
bench_row "scope watch CPU per look (ms) vs git look" "$per_look" "$git_per_look" "$(bench_ratio "$per_look" "$git_per_look")"
bench_row "git kanbots check (true) wall ms vs status" "$check" "$status" "$(bench_ratio "$check" "$status")"
bench_row "sh -c true wall ms (the check alone)" "$shell"
