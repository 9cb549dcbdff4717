#!/usr/bin/env bash
# A remote run's events as the submitting side sees them: an agent in a
# Slurm job writes transcript lines that carry the wall clock of their
# writing; the local `git kanbots log --follow RUN` (which fetches the run's
# record from the remote every second) prints them, and each line's latency
# is the instant it was printed minus the instant it was written. The run's
# last transition (`completed`) is timed the same way: the agent's exit
# against `log --follow` ending. Target: within the checkpoint interval + 1 s.
#
# Env: KANBOTS_BIN, BENCH_N (runs, 3), BENCH_EVENTS (lines per run, 12),
#      BENCH_CHECKPOINT (kanbots.remote.checkpoint in s, 2).
set -euo pipefail
source "$(dirname "$0")/bench-lib.sh"
source "$(dirname "$0")/bench-slurm-lib.sh"

N=${BENCH_N:-3}
EVENTS=${BENCH_EVENTS:-12}
CHECKPOINT=${BENCH_CHECKPOINT:-2}
slurm_bench_setup 1 "$N"
git -C "$REPO" config kanbots.remote.checkpoint "${CHECKPOINT}s"

# A Claude-shaped agent writing EVENTS text lines 0.7 s apart (off the
# checkpoint's beat), each with its wall clock, then its exit's.
agent=$BENCH_TMP/agent.py
cat >"$agent" <<'PY'
#!/usr/bin/env python3
import json, os, time
def emit(obj): print(json.dumps(obj), flush=True)
emit({"type": "system", "subtype": "init", "session_id": "s-bench", "model": "claude-haiku-4-5", "tools": []})
for k in range(EVENTS):
    time.sleep(0.7)
    emit({"type": "assistant", "message": {"id": f"m{k}", "type": "message", "role": "assistant",
          "model": "claude-haiku-4-5", "content": [{"type": "text", "text": f"bench-event {k} {time.time()!r}"}],
          "usage": {"input_tokens": 1, "output_tokens": 1}}})
emit({"type": "result", "subtype": "success", "is_error": False, "num_turns": 1, "total_cost_usd": 0.0,
      "session_id": "s-bench", "result": "done"})
with open(EXIT_STAMP, "w") as f:
    f.write(repr(time.time()))
PY
# The count is written into the script: the supervisor passes the agent only the environment agents need.
exit_stamp=$BENCH_TMP/agent-exit
sed -i "s|^import json, os, time$|import json, os, time\nEVENTS = $EVENTS\nEXIT_STAMP = '$exit_stamp'|" "$agent"
chmod +x "$agent"
git -C "$REPO" config kanbots.agent.claude.path "$agent"

# Runs `log --follow RUN`, stamps every line it prints; prints one latency (ms) per
# event line, then "end MS": from the agent's exit (its stamp) until the follower,
# which ends once the run's final transition arrives, has ended.
follow() {
    python3 - "$1" "$exit_stamp" <<'PY'
import os, pty, re, subprocess, sys, time
# A terminal, as a user's: into a pipe the follower's output would be block-buffered.
master, slave = pty.openpty()
proc = subprocess.Popen(["git", "kanbots", "log", "--follow", sys.argv[1]], stdout=slave, stderr=subprocess.DEVNULL)
os.close(slave)
seen = set()
try:
    for line in os.fdopen(master, "r", errors="replace"):
        now = time.time()
        for k, at in re.findall(r"bench-event (\d+) ([0-9.]+)", line):
            if k not in seen:
                seen.add(k)
                print(f"{(now - float(at)) * 1000:.1f}")
except OSError:
    pass  # the terminal closes with the follower
proc.wait()
ended = time.time()
print(f"end {(ended - float(open(sys.argv[2]).read())) * 1000:.1f}")
PY
}

lines=() ends=()
bench_log "measuring (N=$N runs of $EVENTS events, checkpoint ${CHECKPOINT}s) ..."
for ((i = 1; i <= N; i++)); do
    run=$(cd "$REPO" && git kanbots dispatch "$i" --on slurm --agent claude --json \
        | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])') || bench_die "dispatch failed"
    rm -f "$exit_stamp"
    out=$(cd "$REPO" && follow "$run") || bench_die "log --follow failed"
    while read -r a b; do
        if [ "$a" = end ]; then ends+=("$b"); else lines+=("$a"); fi
    done <<<"$out"
    slurm_bench_queue_empty
done
[ "${#lines[@]}" -eq $((N * EVENTS)) ] || bench_die "saw ${#lines[@]} of $((N * EVENTS)) event lines"

read -r lm llo lhi <<<"$(bench_py stats "${lines[@]}")"
echo
echo "bench-slurm-follow: a remote event to the local log --follow, kanbots.remote.checkpoint ${CHECKPOINT}s (ms)"
echo "validated: every one of the $((N * EVENTS)) event lines of $N runs printed once"
bench_row "measurement" median min max "target (ms)"
bench_row "transcript line → log --follow" "$lm" "$llo" "$lhi" "$((CHECKPOINT * 1000 + 1000))"
if [ "${#ends[@]}" -gt 0 ]; then
    read -r em elo ehi <<<"$(bench_py stats "${ends[@]}")"
    bench_row "agent's exit → completed, log --follow ends" "$em" "$elo" "$ehi" "$((CHECKPOINT * 1000 + 1000))"
fi
