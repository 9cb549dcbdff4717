#!/usr/bin/env bash
# The merge queue (docs/review.md, "The merge queue") over a 12-card loop:
# autopilot keeps BENCH_PARALLEL runs going, each agent takes BENCH_AGENT_SECONDS
# (T) and writes a file of its card's own, and `land --watch --json` lands them
# with a check on each merged result.
#
#   latency     a run's record turning `completed` (seen by polling its ref
#               every 20 ms) to the watcher printing `landed` for it; the
#               target is under 1 s plus the check's own time, printed beside it
#   throughput  autopilot start to the last landing, against the ideal
#               ceil(12 / parallel) x T plus the checks' time; target: tool
#               overhead under 10 %
#
# Env: KANBOTS_BIN (binary; default: swift build -c release), BENCH_CARDS (12),
#      BENCH_PARALLEL (4), BENCH_AGENT_SECONDS (T, 3), TMPDIR or BENCH_DIR.
set -euo pipefail
source "$(dirname "$0")/bench-lib.sh"

CARDS=${BENCH_CARDS:-12}
PARALLEL=${BENCH_PARALLEL:-4}
T=${BENCH_AGENT_SECONDS:-3}

repo=$BENCH_TMP/repo
bench_log "a repository with $CARDS cards ..."
mkdir -p "$repo"
git -C "$repo" init -q -b main
echo "queue benchmark" >"$repo/README.md"
git -C "$repo" add README.md
git -C "$repo" commit -q -m "initial"
(
    cd "$repo"
    git kanbots init >/dev/null
    git config kanbots.pool 0
    git config kanbots.sandbox off
    for ((i = 1; i <= CARDS; i++)); do git kanbots card new "Card $i" >/dev/null; done
    # A check that takes a known moment: its time is reported beside the latency.
    git config kanbots.check 'sleep 0.2 && test -f README.md'
)
agent=$BENCH_TMP/agent.sh
cat >"$agent" <<EOF
#!/bin/sh
echo '{"type":"system","subtype":"init","session_id":"s","model":"claude-sonnet-4-5","cwd":"."}'
echo '{"type":"assistant","message":{"model":"claude-sonnet-4-5","id":"m","content":[{"type":"text","text":"working"}],"usage":{"input_tokens":10,"output_tokens":1}}}'
sleep $T
echo "card \$KANBOTS_CARD" > "card-\$KANBOTS_CARD.txt"
echo '{"type":"result","subtype":"success","is_error":false,"num_turns":1,"total_cost_usd":0.01,"session_id":"s"}'
EOF
chmod +x "$agent"
git -C "$repo" config kanbots.agent.claude.path "$agent"

python3 - "$repo" "$CARDS" "$PARALLEL" "$T" <<'PY'
import json, math, os, subprocess, sys, threading, time
repo, cards, parallel, T = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
env = dict(os.environ, KANBOTS_AUTOPILOT_POLL_SECONDS="0.05", KANBOTS_AUTOPILOT_MAX_LOAD_PER_CORE="1000")
def git(*args):
    return subprocess.run(["git", "-C", repo, *args], capture_output=True, text=True, env=env).stdout

landed = {}
watcher = subprocess.Popen(["git", "-C", repo, "kanbots", "land", "--watch", "--json", "--interval", "0.1"],
                           stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env)
def read():
    buffer = ""
    for line in watcher.stdout:
        buffer += line
        try:
            event = json.loads(buffer)
        except ValueError:
            continue
        buffer = ""
        if event.get("event") == "landed":
            landed[event["run"]] = time.time()
threading.Thread(target=read, daemon=True).start()

start = time.time()
subprocess.run(["git", "-C", repo, "kanbots", "autopilot", "start", "--parallel", str(parallel), "--budget", "100",
                "--agent", "claude"], check=True, capture_output=True, env=env)
completed = {}
deadline = start + 60 + cards * T * 2
while time.time() < deadline and len(landed) < cards:
    for line in git("for-each-ref", "--format=%(refname:lstrip=3) %(contents:subject)", "refs/kanbots/runs/").splitlines():
        run, _, subject = line.partition(" ")
        if run not in completed and ": completed" in subject:
            completed[run] = time.time()
    time.sleep(0.02)
end = max(landed.values()) if landed else time.time()
watcher.terminate()
latencies = sorted(landed[r] - completed[r] for r in landed if r in completed)
check_s = 0.2
ideal = math.ceil(cards / parallel) * T + check_s * cards
wall = end - start
print(f"bench-queue: {cards} cards, parallel {parallel}, agent T={T:.1f} s, check {check_s:.1f} s, "
      f"{os.cpu_count()} CPUs, in {repo}")
if len(landed) < cards:
    print(f"PROBLEM: only {len(landed)} of {cards} runs landed")
if latencies:
    median = latencies[len(latencies) // 2]
    print(f"ready -> landed: median {median:.2f} s, max {latencies[-1]:.2f} s over {len(latencies)} runs "
          f"(check itself {check_s:.1f} s; target < 1 s + check)")
print(f"throughput: last landing after {wall:.2f} s; ideal ceil({cards}/{parallel}) x {T:.1f} s + checks = {ideal:.2f} s; "
      f"overhead {100 * (wall - ideal) / ideal:.1f} % (target < 10 %)")
PY
git -C "$repo" kanbots autopilot stop >/dev/null 2>&1 || true
bench_wait_supervisors 20
