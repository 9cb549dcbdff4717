#!/usr/bin/env bash
# Autopilot orchestrator overhead, against plain git in the same run.
#
#   slot refill latency: a run's agent ends -> the next run's agent starts
#                        (agent exit, supervisor records the end, orchestrator
#                        notices, dispatches: branch + worktree + supervisor,
#                        agent spawned). Compared with `git worktree add -b`,
#                        the irreducible part of any dispatch.
#   orchestrator RSS:    peak resident memory of the orchestrator process,
#                        sampled every 50 ms during the session.
#
# Scripted agent: prints Claude stream-json with a $0.01 usage, works 0.5 s,
# commits, stamps its start and end (python3 time.time()) into a log.
# Default settings (poll 0.25 s); the load hold is disabled so a busy machine
# does not stall the session (it is measured elsewhere).
#
# Env: KANBOTS_BIN (binary; default: swift build -c release), BENCH_CARDS (12),
#      BENCH_PARALLEL (2), BENCH_FILES (2000).
# Targets: refill latency median < 1000 ms; orchestrator RSS < 30 MB.
set -euo pipefail
source "$(dirname "$0")/bench-lib.sh"

CARDS=${BENCH_CARDS:-12}
PARALLEL=${BENCH_PARALLEL:-2}
FILES=${BENCH_FILES:-2000}
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

peak_kb=0
for ((i = 0; i < 6000; i++)); do
    rss=$(ps -o rss= -p "$pid" 2>/dev/null | tr -d ' ' || true)
    [ -n "$rss" ] || break            # the orchestrator exited: the session is over
    [ "$rss" -gt "$peak_kb" ] && peak_kb=$rss
    sleep 0.05
done
state=$(cd "$repo" && git kanbots autopilot status --json "$session" |
    python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["state"], d["stop_reason"], d["completed"])')
bench_log "session $session: $state"

read -r r_med r_min r_max r_n < <(python3 - "$stamps" "$PARALLEL" <<'PY'
import statistics, sys
path, slots = sys.argv[1], int(sys.argv[2])
starts, ends = [], []
for line in open(path):
    kind, t, _ = line.split()
    (starts if kind == "start" else ends).append(float(t))
starts.sort(); ends.sort()
# Each end frees one slot; the k-th refill (start after the first `slots`) follows the k-th end.
lat = [(s - e) * 1000 for s, e in zip(starts[slots:], ends)]
print(f"{statistics.median(lat):.1f} {min(lat):.1f} {max(lat):.1f} {len(lat)}")
PY
)

echo
echo "bench-autopilot: $CARDS cards, $PARALLEL slots, $FILES files, $(nproc 2>/dev/null || echo '?') CPUs, $(git --version)"
bench_row "measurement" median min max "x git"
read -r gm gl gh < <(bench_py stats "${git_ms[@]}")
bench_row "git worktree add -b B PATH main (ms)" "$gm" "$gl" "$gh" "1.00"
bench_row "slot refill: agent end -> next agent (ms)" "$r_med" "$r_min" "$r_max" "$(bench_ratio "$r_med" "$g_med")"
echo "refills measured: $r_n; session: $state"
echo "orchestrator peak RSS: $((peak_kb / 1024)) MB ($peak_kb KB; target < 30 MB)"
echo "slot refill median: $r_med ms (target < 1000 ms)"
