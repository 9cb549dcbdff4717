#!/usr/bin/env bash
# Autopilot orchestrator overhead, against plain git in the same run.
#
#   slot refill latency: a run's agent ends -> the next run's agent starts
#                        (agent exit, supervisor records the end, orchestrator
#                        notices, dispatches: branch + worktree + supervisor,
#                        agent spawned). Compared with `git worktree add -b`,
#                        the irreducible part of any dispatch.
#                        Split into: agent end -> its supervisor records the end
#                        (the run ref's mtime); recorded -> the orchestrator calls
#                        the dispatcher (its log): the orchestrator's own refill
#                        latency; and that call -> the next agent starts.
#   orchestrator RSS:    peak resident memory of the orchestrator process,
#                        sampled every 50 ms during the session.
#
# Scripted agent: prints Claude stream-json with a $0.01 usage, works 0.5 s,
# commits, stamps its start and end (python3 time.time()) into a log.
# Default settings (poll 0.25 s); the load hold is disabled so a busy machine
# does not stall the session (it is measured elsewhere).
#
# Env: KANBOTS_BIN (binary; default: swift build -c release), BENCH_CARDS (12),
#      BENCH_PARALLEL (2), BENCH_FILES (500).
# Targets: refill latency median < 1000 ms; orchestrator RSS < 30 MB.
set -euo pipefail
source "$(dirname "$0")/bench-lib.sh"

CARDS=${BENCH_CARDS:-12}
PARALLEL=${BENCH_PARALLEL:-2}
FILES=${BENCH_FILES:-500}
[ "$CARDS" -gt "$PARALLEL" ] || bench_die "BENCH_CARDS must exceed BENCH_PARALLEL"

repo=$BENCH_TMP/repo
bench_log "generating a $FILES-file repository ..."
bench_make_repo "$repo" "$FILES"   # files card 1
for ((i = 2; i <= CARDS; i++)); do git -C "$repo" kanbots card new "Benchmark card $i" >/dev/null; done

stamps=$BENCH_TMP/stamps.log
agent=$BENCH_TMP/bin/fake-claude
cat >"$agent" <<EOF
#!/bin/sh
python3 -c 'import time,sys; print("start", repr(time.time()), sys.argv[1])' "\$KANBOTS_RUN_ID" >> '$stamps'
echo '{"type":"system","subtype":"init","session_id":"bench","model":"claude-haiku-4-5","tools":[]}'
echo '{"type":"assistant","message":{"id":"msg-'"\$KANBOTS_RUN_ID"'","type":"message","role":"assistant","model":"claude-haiku-4-5","content":[{"type":"text","text":"working"}],"usage":{"input_tokens":10000,"output_tokens":0}}}'
sleep 0.5
echo "\$KANBOTS_CARD" > "bench-\$KANBOTS_RUN_ID.txt"
git add -A >/dev/null 2>&1 && git commit -qm "bench" >/dev/null 2>&1
echo '{"type":"result","subtype":"success","is_error":false,"num_turns":1,"total_cost_usd":0.01}'
python3 -c 'import time,sys; print("end", repr(time.time()), sys.argv[1])' "\$KANBOTS_RUN_ID" >> '$stamps'
EOF
chmod +x "$agent"
git -C "$repo" config kanbots.agent.claude.path "$agent"
# The agent stamps a log outside its run, which confinement forbids.
git -C "$repo" config kanbots.sandbox off

# Baseline: plain `git worktree add -b`, median of 5.
git_ms=()
for ((i = 1; i <= 5; i++)); do
    git_ms+=("$(bench_py time git -C "$repo" worktree add -q -b "bench-$i" "$BENCH_TMP/wt-$i" main)")
    git -C "$repo" worktree remove --force "$BENCH_TMP/wt-$i"
    git -C "$repo" branch -q -D "bench-$i"
done
g_med=$(bench_py median "${git_ms[@]}")

bench_log "draining $CARDS cards through $PARALLEL slots ..."
export KANBOTS_AUTOPILOT_MAX_LOAD_PER_CORE=1000
session=$(cd "$repo" && git kanbots autopilot start --json --agent claude --parallel "$PARALLEL" --budget 100 --run-cap 1 |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
pid=$(cd "$repo" && git kanbots autopilot status --json "$session" | python3 -c 'import json,sys; print(json.load(sys.stdin)["orchestrator_pid"] or "")')
# The orchestrator records its pid on its first step; wait for it.
for ((i = 0; i < 100 && ${#pid} == 0; i++)); do
    sleep 0.05
    pid=$(cd "$repo" && git kanbots autopilot status --json "$session" | python3 -c 'import json,sys; print(json.load(sys.stdin)["orchestrator_pid"] or "")')
done
[ -n "$pid" ] || bench_die "the orchestrator never recorded its pid"

peak_kb=0 peak_anon_kb=0
for ((i = 0; i < 6000; i++)); do
    rss=$(ps -o rss= -p "$pid" 2>/dev/null | tr -d ' ' || true)
    [ -n "$rss" ] || break            # the orchestrator exited: the session is over
    [ "$rss" -gt "$peak_kb" ] && peak_kb=$rss
    # Linux: the process's own (anonymous) memory, without shared library pages.
    anon=$(sed -n 's/^RssAnon:[[:space:]]*\([0-9]*\) kB/\1/p' "/proc/$pid/status" 2>/dev/null || true)
    [ -n "$anon" ] && [ "$anon" -gt "$peak_anon_kb" ] && peak_anon_kb=$anon
    sleep 0.05
done
# Baselines: peak RSS of `git-kanbots --version` (the Swift runtime and Foundation
# alone) and of `git status`, from the kernel's ru_maxrss of each child.
maxrss() { python3 -c 'import resource,subprocess,sys; subprocess.call(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL); print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)' "$@"; }
version_kb=$(maxrss "$KB" --version)
git_kb=$(cd "$repo" && maxrss git status)
state=$(cd "$repo" && git kanbots autopilot status --json "$session" |
    python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["state"], d["stop_reason"], d["completed"])')
bench_log "session $session: $state"

log=$repo/.git/kanbots/sessions/$session/orchestrator.log
read -r r_med r_min r_max r_n s_med s_min s_max o_med o_min o_max d_med d_min d_max < <(
    python3 - "$stamps" "$PARALLEL" "$log" "$repo/.git/refs/kanbots/runs" <<'PY'
import os, statistics, sys
path, slots, log, refs = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
starts, ends, runs = [], [], set()
for line in open(path):
    kind, t, run = line.split()
    (starts if kind == "start" else ends).append(float(t))
    runs.add(run)
# The orchestrator logs "dispatch <epoch> ..." as it calls the dispatcher; a run's
# loose ref is rewritten by each transition, so its mtime dates the final record.
dispatches = sorted(float(l.split()[1]) for l in open(log) if l.startswith("dispatch "))
recorded = sorted(os.stat(os.path.join(refs, r)).st_mtime for r in runs if os.path.exists(os.path.join(refs, r)))
starts.sort(); ends.sort()
def stats(values):
    values = [v * 1000 for v in values]
    return f"{statistics.median(values):.1f} {min(values):.1f} {max(values):.1f}"
# Each end frees one slot; the k-th refill (start after the first `slots`) follows the k-th end.
refill = [s - e for s, e in zip(starts[slots:], ends)]
supervisor = [r - e for r, e in zip(recorded, ends)]
orchestrator = [d - r for d, r in zip(dispatches[slots:], recorded)]
dispatch = [s - d for s, d in zip(starts[slots:], dispatches[slots:])]
print(stats(refill), len(refill), stats(supervisor), stats(orchestrator), stats(dispatch))
PY
)
echo
echo "bench-autopilot: $CARDS cards, $PARALLEL slots, $FILES files, $(nproc 2>/dev/null || echo '?') CPUs, $(git --version)"
bench_row "measurement" median min max "x git"
read -r gm gl gh < <(bench_py stats "${git_ms[@]}")
bench_row "git worktree add -b B PATH main (ms)" "$gm" "$gl" "$gh" "1.00"
bench_row "slot refill: agent end -> next agent (ms)" "$r_med" "$r_min" "$r_max" "$(bench_ratio "$r_med" "$g_med")"
bench_row "  agent end -> supervisor records it (ms)" "$s_med" "$s_min" "$s_max" "$(bench_ratio "$s_med" "$g_med")"
bench_row "  recorded -> orchestrator dispatches (ms)" "$o_med" "$o_min" "$o_max" "$(bench_ratio "$o_med" "$g_med")"
bench_row "  dispatch -> next agent started (ms)" "$d_med" "$d_min" "$d_max" "$(bench_ratio "$d_med" "$g_med")"
echo "refills measured: $r_n; session: $state"
bench_row "peak RSS: git status (KB)" "$git_kb" "" "" "1.00"
bench_row "peak RSS: git-kanbots --version (KB)" "$version_kb" "" "" "$(bench_ratio "$version_kb" "$git_kb")"
bench_row "peak RSS: orchestrator (KB)" "$peak_kb" "" "" "$(bench_ratio "$peak_kb" "$git_kb")"
bench_row "  of which its own, anonymous (KB)" "$peak_anon_kb" "" "" "$(bench_ratio "$peak_anon_kb" "$git_kb")"
echo "orchestrator peak RSS: $((peak_kb / 1024)) MB (target < 30 MB); its own memory (RssAnon, Linux): $((peak_anon_kb / 1024)) MB;"
echo "  the rest is shared library pages (Swift runtime, Foundation, ICU) every git-kanbots process maps"
echo "orchestrator refill latency (run recorded finished -> next dispatch begun): $o_med ms median (target < 1000 ms)"
echo "  end to end (agent ends -> next agent starts): $r_med ms, which adds the supervisor's finishing and the dispatch itself"
