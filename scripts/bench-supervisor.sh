#!/usr/bin/env bash
# Supervisor overhead, with real supervisors started by `git kanbots dispatch`.
#
#   1. Throughput: a fake `claude` prints a generated 100 MB Claude Code
#      stream-json transcript as fast as it can; the supervisor parses, meters,
#      redacts and stores it. Reported: the supervisor's CPU seconds (from its
#      own getrusage, written to supervisor.log), MB of stream per CPU second
#      (target >= 50), and, as the plain-git baseline in the same run,
#      `git hash-object -w` of the same file (what storing it in git costs alone).
#   2. Memory: the supervisor's peak RSS for that 100 MB run and for a small
#      demo run (target < 20 MB).
#   3. Cap enforcement latency: a fake agent (with a child in its process group)
#      prints one usage event that crosses the cap; measured from just before
#      that line is written to the moment no process of the agent's group is
#      running any more (target < 1 s), and until the last zombie is reaped
#      (orphans in the group are reaped by init, which may take its time).
#      Median of BENCH_N. Linux only (/proc).
#
# Env: KANBOTS_BIN, BENCH_MB (100), BENCH_N (5).
set -euo pipefail
source "$(dirname "$0")/bench-lib.sh"

MB=${BENCH_MB:-100}
N=${BENCH_N:-5}
repo=$BENCH_TMP/repo
bench_make_repo "$repo" 20
git -C "$repo" config kanbots.checkpoint-minutes 0

# Waits for run $1 to finish; prints its state.
wait_finished() {
    local id=$1 i state
    for ((i = 0; i < 6000; i++)); do
        state=$(git -C "$repo" log -1 --format=%B "refs/kanbots/runs/$id" | sed -n 's/^State: //p')
        case $state in queued | running | awaiting_decision) sleep 0.05 ;; *) echo "$state"; return 0 ;; esac
    done
    bench_die "run $id did not finish within 300 s"
}
dispatch_id() { (cd "$repo" && git kanbots dispatch 1 "$@" --json) | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])'; }
# "cpu_seconds peak_rss_bytes" from the supervisor's last log line.
supervisor_usage() {
    sed -n 's/^supervisor: done cpu_seconds=\([0-9.]*\) peak_rss_bytes=\([0-9]*\).*/\1 \2/p' \
        "$repo/.git/kanbots/runs/$1/supervisor.log" | tail -1
}

# --- 1 and 2: a 100 MB stream -------------------------------------------------------
stream=$BENCH_TMP/stream.ndjson
bench_log "generating a ${MB} MB stream-json transcript ..."
bench_py gen-stream "$stream" "$MB" 0
bytes=$(wc -c <"$stream")
agent=$BENCH_TMP/fake-claude
printf '#!/bin/sh\nexec cat %q\n' "$stream" >"$agent"
chmod +x "$agent"
git -C "$repo" config kanbots.agent.claude.path "$agent"

bench_log "baseline: git hash-object -w of the same file ..."
git_ms=$(bench_py time git -C "$repo" hash-object -w "$stream")
bench_log "dispatching the ${MB} MB run ..."
id=$(dispatch_id --agent claude --cap 100000)
state=$(wait_finished "$id")
[ "$state" = completed ] || bench_die "the 100 MB run ended $state"
stored=$(git -C "$repo" cat-file -s "refs/kanbots/runs/$id:transcript.ndjson")
# Redaction changes a few bytes at most: anything much shorter lost lines.
python3 -c "import sys; sys.exit(0 if $stored >= 0.99 * $bytes else 1)" ||
    bench_die "only $stored of $bytes bytes of the transcript were stored"
read -r cpu rss <<<"$(supervisor_usage "$id")"
[ -n "$cpu" ] || bench_die "no usage line in the supervisor log"

# --- 2: a small demo run ------------------------------------------------------------
small=$(dispatch_id --agent demo)
wait_finished "$small" >/dev/null
read -r small_cpu small_rss <<<"$(supervisor_usage "$small")"

# --- 3: cap enforcement latency ------------------------------------------------------
capper=$BENCH_TMP/fake-capped
cat >"$capper" <<'SH'
#!/bin/sh
sleep 600 &
printf '%s\n' '{"type":"system","subtype":"init","session_id":"cap-bench","model":"claude-sonnet-4-5"}'
sleep 0.5
echo $$ > "$CAP_PGID_FILE"
python3 -c 'import time; print(repr(time.time()))' > "$CAP_STAMP_FILE"
printf '%s\n' '{"type":"assistant","message":{"id":"msg_expensive","model":"claude-sonnet-4-5","role":"assistant","content":[{"type":"text","text":"thinking hard"}],"usage":{"input_tokens":10,"output_tokens":1000000}},"session_id":"cap-bench"}'
wait
SH
chmod +x "$capper"
git -C "$repo" config kanbots.agent.claude.path "$capper"
# The fake agent writes its timing stamps outside its run, which confinement forbids.
git -C "$repo" config kanbots.sandbox off
latencies=()
reaped=()
for ((i = 1; i <= N; i++)); do
    export CAP_PGID_FILE=$BENCH_TMP/cap-$i.pgid CAP_STAMP_FILE=$BENCH_TMP/cap-$i.stamp
    capped=$(dispatch_id --agent claude --cap 1)
    latency=$(python3 - "$CAP_PGID_FILE" "$CAP_STAMP_FILE" <<'PY'
import os, sys, time
pgid_file, stamp_file = sys.argv[1], sys.argv[2]
deadline = time.time() + 30
while not (os.path.exists(stamp_file) and os.path.getsize(stamp_file) > 0):
    if time.time() > deadline: sys.exit("the agent never printed its expensive line")
    time.sleep(0.001)
pgid = int(open(pgid_file).read())
stamp = float(open(stamp_file).read())
def live_members():
    # A zombie has stopped running; only its parent's (or init's) reaping is left.
    count = 0
    for pid in os.listdir("/proc"):
        if not pid.isdigit(): continue
        try:
            fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid and fields[0] != "Z": count += 1
    return count
stopped = None
while True:
    if stopped is None and live_members() == 0:
        stopped = time.time()
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        break
    if time.time() > deadline: sys.exit("the agent's group outlived the cap by 30 s")
    time.sleep(0.001)
gone = time.time()
print(f"{((stopped or gone) - stamp) * 1000:.1f} {(gone - stamp) * 1000:.1f}")
PY
)
    state=$(wait_finished "$capped")
    reason=$(git -C "$repo" log -1 --format=%B "refs/kanbots/runs/$capped" | sed -n 's/^Reason: //p')
    case $reason in cost_capped*) ;; *) bench_die "capped run ended $state ($reason)" ;; esac
    latencies+=("${latency% *}")
    reaped+=("${latency#* }")
done

mb=$(python3 -c "print(f'{$bytes / 1e6:.1f}')")
rate=$(python3 -c "print(f'{$bytes / 1e6 / $cpu:.1f}')")
git_rate=$(python3 -c "print(f'{$bytes / 1e6 / ($git_ms / 1000):.1f}')")
echo
echo "supervisor overhead ($(nproc 2>/dev/null || echo ?) cores)"
bench_row "stream replayed" "$mb MB"
bench_row "stored in git (redacted)" "$(python3 -c "print(f'{$stored / 1e6:.1f} MB')")"
bench_row "supervisor CPU for the stream" "${cpu} s"
bench_row "supervisor throughput (MB per CPU s)" "$rate" "target >= 50"
bench_row "git hash-object -w of the same file" "$(python3 -c "print(f'{$git_ms / 1000:.2f} s')")" "$git_rate MB/s"
bench_row "ratio supervisor CPU / git hash-object" "$(python3 -c "print(f'{$cpu / ($git_ms / 1000):.2f}x')")"
bench_row "peak RSS, $MB MB run" "$(python3 -c "print(f'{$rss / 1e6:.1f} MB')")" "target < 20"
bench_row "peak RSS, small demo run" "$(python3 -c "print(f'{$small_rss / 1e6:.1f} MB')")" "cpu ${small_cpu} s"
read -r med lo hi <<<"$(bench_py stats "${latencies[@]}")"
bench_row "cap enforcement latency (ms, median)" "$med" "min $lo" "max $hi"
read -r med lo hi <<<"$(bench_py stats "${reaped[@]}")"
bench_row "  ... until every zombie is reaped (ms)" "$med" "min $lo" "max $hi"
