#!/usr/bin/env bash
# Memory of the long-lived processes: 50 supervisors at once, each with a live
# agent, as `dispatch` starts them (the lean kanbots-supervisor program).
#
# Reported, summed over the supervisors while all of them run:
#   RSS  what `ps` shows: each process counted with all the shared library and
#        program pages it maps, so shared pages count fifty times;
#   PSS  each shared page divided among the processes that map it: what the
#        fifty really cost the machine together;
#   USS  pages only that process has (its heap, its written data).
# And each supervisor's own peak RSS (VmHWM, from its log line when it ends).
# Baseline in the same run: the same number of idle `git cat-file --batch`
# processes (a long-lived git process doing nothing), summed the same way.
#
# Env: KANBOTS_BIN (default: scripts/build-release.sh), BENCH_RUNS (50).
# Target: each supervisor's peak RSS < 20 MB. Linux only (/proc).
set -euo pipefail
source "$(dirname "$0")/bench-lib.sh"
RUNS=${BENCH_RUNS:-50}
[ -d /proc/self ] || bench_die "needs Linux /proc"
repo=$BENCH_TMP/repo
bench_make_repo "$repo" 20
git -C "$repo" config kanbots.checkpoint-minutes 0
for ((i = 2; i <= RUNS; i++)); do git -C "$repo" kanbots card new "Memory card $i" >/dev/null; done
release=$BENCH_TMP/release
agent=$BENCH_TMP/bin/waiting-claude
mkdir -p "$(dirname "$agent")"
# Prints a first usage line, then waits for the release file (at most 120 s).
cat >"$agent" <<AGENT
#!/bin/sh
echo '{"type":"system","subtype":"init","session_id":"mem","model":"claude-haiku-4-5","tools":[]}'
echo '{"type":"assistant","message":{"id":"msg-'"\$KANBOTS_RUN_ID"'","type":"message","role":"assistant","model":"claude-haiku-4-5","content":[{"type":"text","text":"waiting"}],"usage":{"input_tokens":10,"output_tokens":1}}}'
i=0
while [ ! -e '$release' ] && [ \$i -lt 1200 ]; do sleep 0.1; i=\$((i + 1)); done
echo '{"type":"result","subtype":"success","is_error":false,"num_turns":1,"total_cost_usd":0.001}'
AGENT
chmod +x "$agent"
git -C "$repo" config kanbots.agent.claude.path "$agent"
# The agent waits on a file outside its run, which confinement would hide.
git -C "$repo" config kanbots.sandbox off

bench_log "dispatching $RUNS runs ..."
ids=()
for ((i = 1; i <= RUNS; i++)); do
    ids+=("$(cd "$repo" && git kanbots dispatch "$i" --agent claude --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')")
done

# "count rss pss uss" (kB) over the processes whose command line contains $1
# (its first word being the program), once $2 of them run.
measure() {
    python3 - "$1" "$2" <<'PY'
import os, sys, time
pattern, expected = sys.argv[1].encode(), int(sys.argv[2])
deadline = time.time() + 120
while True:
    pids = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit(): continue
        try: command = open(f"/proc/{entry}/cmdline", "rb").read().replace(b"\0", b" ")
        except OSError: continue
        # The program must be the one named first (not this script, nor a
        # python launcher, whose arguments hold the pattern too).
        program = command.split(b" ")[0].rsplit(b"/", 1)[-1]
        if pattern in command and program == pattern.split(b" ")[0]: pids.append(entry)
    if len(pids) >= expected or time.time() > deadline: break
    time.sleep(0.2)
time.sleep(1.0)  # let each one settle after its agent's first lines
totals = {"Rss": 0, "Pss": 0, "Private_Clean": 0, "Private_Dirty": 0}
for pid in pids:
    try:
        for line in open(f"/proc/{pid}/smaps_rollup"):
            key = line.split(":")[0]
            if key in totals: totals[key] += int(line.split()[1])
    except OSError: pass
print(len(pids), totals["Rss"], totals["Pss"], totals["Private_Clean"] + totals["Private_Dirty"])
PY
}
read -r count rss pss uss <<<"$(measure "kanbots-supervisor run " "$RUNS")"
[ "$count" -ge "$RUNS" ] || bench_die "only $count of $RUNS supervisors were running"

bench_log "baseline: $RUNS idle git cat-file --batch processes ..."
fifo=$BENCH_TMP/idle-input
mkfifo "$fifo"
exec {hold}<>"$fifo"   # keeps the fifo open, so each cat-file waits on it
gits=()
for ((i = 1; i <= RUNS; i++)); do
    git -C "$repo" cat-file --batch <"$fifo" >/dev/null &
    gits+=($!)
done
read -r g_count g_rss g_pss g_uss <<<"$(measure "git -C $repo cat-file --batch" "$RUNS")"
kill "${gits[@]}" 2>/dev/null || true
exec {hold}>&-

touch "$release"
bench_log "waiting for the runs to end ..."
peaks=()
for id in "${ids[@]}"; do
    log=$repo/.git/kanbots/runs/$id/supervisor.log
    for ((t = 0; t < 600; t++)); do grep -q '^supervisor: done' "$log" 2>/dev/null && break; sleep 0.1; done
    peak=$(sed -n 's/^supervisor: done .*peak_rss_bytes=\([0-9]*\).*/\1/p' "$log" | tail -1)
    [ -n "$peak" ] || bench_die "run $id: no usage line in $log"
    peaks+=("$peak")
done
peak_max=$(printf '%s\n' "${peaks[@]}" | sort -n | tail -1)
peak_med=$(bench_py median "${peaks[@]}")

python3 - "$count" "$rss" "$pss" "$uss" "$g_count" "$g_rss" "$g_pss" "$g_uss" "$peak_max" "$peak_med" "$(nproc)" <<'PY'
import sys
count, rss, pss, uss, g_count, g_rss, g_pss, g_uss = (int(v) for v in sys.argv[1:9])
peak_max, peak_med, cores = float(sys.argv[9]), float(sys.argv[10]), sys.argv[11]
mb = lambda kb: f"{kb / 1024:.1f}"
print(f"\nmemory of {count} concurrent supervisors ({cores} cores)")
print(f"{'':46} {'RSS MB':>9} {'PSS MB':>9} {'USS MB':>9}")
print(f"{f'{count} supervisors, total':46} {mb(rss):>9} {mb(pss):>9} {mb(uss):>9}")
print(f"{f'{g_count} idle git cat-file --batch, total':46} {mb(g_rss):>9} {mb(g_pss):>9} {mb(g_uss):>9}")
ratio = lambda a, b: f"{a / max(b, 1):.2f}x"
print(f"{'ratio supervisors / git':46} {ratio(rss, g_rss):>9} {ratio(pss, g_pss):>9} {ratio(uss, g_uss):>9}")
print(f"{'one supervisor, per process (MB)':46} {mb(rss / count):>9} {mb(pss / count):>9} {mb(uss / count):>9}")
print(f"one supervisor's peak RSS: largest {peak_max / 1048576:.1f} MB, median {peak_med / 1048576:.1f} MB   target < 20")
PY
