#!/usr/bin/env bash
# The hand-written JSON paths against Foundation's, through the product.
#
#   1. Output: `board --json` and `status --json` over BENCH_RUNS recorded
#      runs (made as bench-board.sh makes them), written by `JSONOutput`'s
#      streaming writer and by `JSONEncoder` (KANBOTS_JSON_ENCODER=foundation,
#      docs/testing.md). Both are measured warm (the run snapshot in place:
#      the streaming writer copies a settled run's kept text, `JSONEncoder`
#      cannot splice text and encodes every run) and with KANBOTS_NO_CACHE=1
#      (every run encoded by both). The outputs must be equal JSON
#      (python3 json.load, compared as values).
#   2. Input: a BENCH_MB MB Claude stream-json transcript in which one tool
#      result in 40 is a file of 1 to 3 MB (bench-lib.sh, gen-stream), read
#      in both places the product parses a stream: the supervisor of a
#      dispatched run (its CPU seconds, from supervisor.log) and
#      `git kanbots log <run>` (median of BENCH_N). Read three ways: by
#      `DynamicJSON` with `LargeJSONString` keeping long strings escaped (the
#      product); by `JSONDecoder` in DynamicJSON's place, long strings still
#      kept escaped (KANBOTS_JSON_DECODER=foundation); and by `DynamicJSON`
#      decoding long strings whole (KANBOTS_JSON_DECODER=whole), which tells
#      what `LargeJSONString` adds. The three logs must be equal.
#
# Env: KANBOTS_BIN, BENCH_N (5), BENCH_RUNS (10000), BENCH_MB (50),
#      BENCH_DIR (/dev/shm keeps the disk out of the figures).
set -euo pipefail
source "$(dirname "$0")/bench-lib.sh"

N=${BENCH_N:-5}
RUNS=${BENCH_RUNS:-10000}
MB=${BENCH_MB:-50}

# Times a command N times after one warm-up; echoes "median_ms cpu_ms".
time_n() {
    local samples=() cpus=() i ms cpu
    bench_py time-cpu "$@" >/dev/null || bench_die "failed: $*"
    for ((i = 0; i < N; i++)); do
        read -r ms cpu < <(bench_py time-cpu "$@") || bench_die "failed: $*"
        samples+=("$ms")
        cpus+=("$cpu")
    done
    echo "$(bench_py median "${samples[@]}") $(bench_py median "${cpus[@]}")"
}

same_json() {
    python3 - "$1" "$2" <<'PY' || bench_die "$1 and $2 differ"
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
def diff(x, y, path="$"):
    if type(x) != type(y) and not (isinstance(x, (int, float)) and isinstance(y, (int, float))):
        return f"{path}: {x!r} vs {y!r}"
    if isinstance(x, dict):
        if x.keys() != y.keys(): return f"{path}: keys {sorted(x.keys() ^ y.keys())}"
        return next((d for k in x if (d := diff(x[k], y[k], f"{path}.{k}"))), None)
    if isinstance(x, list):
        if len(x) != len(y): return f"{path}: {len(x)} vs {len(y)} elements"
        return next((d for i, (p, q) in enumerate(zip(x, y)) if (d := diff(p, q, f"{path}[{i}]"))), None)
    return None if x == y else f"{path}: {x!r} vs {y!r}"
d = diff(a, b)
if d: sys.exit(f"not equal JSON: {d}")
PY
}

rows=()
# --- 1: output ----------------------------------------------------------------------
repo=$BENCH_TMP/repo
bench_make_runs_repo "$repo" "$RUNS"
(cd "$repo" && git kanbots board --json >/dev/null)   # builds the run snapshot
sleep 2.5                                              # past the racy-timestamp window (bench-board.sh)
for shape in "board --json" "status --json"; do
    (cd "$repo" && git kanbots $shape >"$BENCH_TMP/ours.json")
    (cd "$repo" && KANBOTS_JSON_ENCODER=foundation git kanbots $shape >"$BENCH_TMP/foundation.json")
    same_json "$BENCH_TMP/ours.json" "$BENCH_TMP/foundation.json"
    size=$(wc -c <"$BENCH_TMP/ours.json")
    bench_log "$shape: equal JSON from both encoders ($size bytes); timing ..."
    ours=$(time_n git -C "$repo" kanbots $shape)
    theirs=$(time_n env KANBOTS_JSON_ENCODER=foundation git -C "$repo" kanbots $shape)
    rows+=("$shape, warm|$ours|$theirs")
    ours=$(time_n env KANBOTS_NO_CACHE=1 git -C "$repo" kanbots $shape)
    theirs=$(time_n env KANBOTS_NO_CACHE=1 KANBOTS_JSON_ENCODER=foundation git -C "$repo" kanbots $shape)
    rows+=("$shape, KANBOTS_NO_CACHE=1|$ours|$theirs")
done

# --- 2: input -----------------------------------------------------------------------
stream=$BENCH_TMP/stream.ndjson
bench_log "generating a ${MB} MB stream-json transcript ..."
bench_py gen-stream "$stream" "$MB" 40
bytes=$(wc -c <"$stream")
largest=$(awk '{ if (length($0) > m) m = length($0) } END { print m }' "$stream")
agent=$BENCH_TMP/fake-claude
printf '#!/bin/sh\nexec cat %q\n' "$stream" >"$agent"
chmod +x "$agent"
git -C "$repo" config kanbots.agent.claude.path "$agent"
git -C "$repo" config kanbots.checkpoint-minutes 0

# Dispatches the transcript's run (env: the decoder); prints "id cpu_seconds".
dispatch_stream() {
    local id state i cpu
    id=$(cd "$repo" && env "$@" git kanbots dispatch 1 --agent claude --cap 100000 --json |
        python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
    for ((i = 0; i < 6000; i++)); do
        state=$(git -C "$repo" log -1 --format=%B "refs/kanbots/runs/$id" | sed -n 's/^State: //p')
        case $state in queued | running | awaiting_decision) sleep 0.05 ;; *) break ;; esac
    done
    [ "$state" = completed ] || bench_die "the ${MB} MB run $id ended ${state:-unfinished}"
    # The supervisor logs its usage just after it records the run's end.
    for ((i = 0; i < 200; i++)); do
        cpu=$(sed -n 's/^supervisor: done cpu_seconds=\([0-9.]*\).*/\1/p' "$repo/.git/kanbots/runs/$id/supervisor.log" | tail -1)
        [ -n "$cpu" ] && break
        sleep 0.05
    done
    echo "$id $cpu"
}
bench_log "dispatching the ${MB} MB run with each decoder ..."
read -r run ours_cpu < <(dispatch_stream KANBOTS_JSON_DECODER=)
read -r _ theirs_cpu < <(dispatch_stream KANBOTS_JSON_DECODER=foundation)
read -r _ whole_cpu < <(dispatch_stream KANBOTS_JSON_DECODER=whole)
[ -n "${ours_cpu:-}" ] && [ -n "${theirs_cpu:-}" ] && [ -n "${whole_cpu:-}" ] ||
    bench_die "a run of the transcript did not finish (see above)"
bench_wait_supervisors 60
git -C "$repo" kanbots log "$run" >"$BENCH_TMP/ours.log"
grep -q unreadable "$BENCH_TMP/ours.log" && bench_die "log $run reports unreadable lines"
for decoder in foundation whole; do
    KANBOTS_JSON_DECODER=$decoder git -C "$repo" kanbots log "$run" >"$BENCH_TMP/$decoder.log"
    cmp -s "$BENCH_TMP/ours.log" "$BENCH_TMP/$decoder.log" || bench_die "log $run differs with KANBOTS_JSON_DECODER=$decoder"
done
bench_log "log $run: equal output from the three decoders; timing ..."
ours=$(time_n git -C "$repo" kanbots log "$run")
theirs=$(time_n env KANBOTS_JSON_DECODER=foundation git -C "$repo" kanbots log "$run")
whole=$(time_n env KANBOTS_JSON_DECODER=whole git -C "$repo" kanbots log "$run")
rows+=("log <run> (${MB} MB), JSONDecoder for DynamicJSON|$ours|$theirs")
rows+=("log <run>, DynamicJSON without LargeJSONString|$ours|$whole")

echo
echo "bench-json: $RUNS runs; a $bytes-byte transcript (longest line $largest bytes); median of N=$N; in $BENCH_TMP"
bench_row "measurement (ms: wall, cpu)" "ours" "ours cpu" "Foundation" "Found. cpu" "cpu x ours"
for r in "${rows[@]}"; do
    IFS='|' read -r what ours theirs <<<"$r"
    read -r o_wall o_cpu <<<"$ours"
    read -r f_wall f_cpu <<<"$theirs"
    bench_row "$what" "$o_wall" "$o_cpu" "$f_wall" "$f_cpu" "$(bench_ratio "$f_cpu" "$o_cpu")"
done
bench_row "supervisor (cpu s), JSONDecoder for DynamicJSON" "" "$ours_cpu" "" "$theirs_cpu" "$(bench_ratio "$theirs_cpu" "$ours_cpu")"
bench_row "supervisor, DynamicJSON without LargeJSONString" "" "$ours_cpu" "" "$whole_cpu" "$(bench_ratio "$whole_cpu" "$ours_cpu")"
echo "(cpu: user + system time; 'cpu x ours' is the other path's over the hand-written one's;"
echo " in the 'without LargeJSONString' rows the other path is DynamicJSON decoding long strings whole)"
