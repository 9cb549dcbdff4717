#!/usr/bin/env bash
# The decision round trip, against a plain-git compare-and-swap write measured
# in the same run (`git update-ref REF NEW OLD`, what recording a question or
# an answer amounts to, plus a commit).
#
# A scripted agent (python3, standard library) is dispatched as `claude`: it
# starts `git-kanbots mcp` from its --mcp-config file, calls `ask`, and notes
# the time it sent the call and the time the answer came back. Per round:
#   ask -> listed      tools/call sent -> `decisions --json` lists it
#   decisions --json   wall time of one listing (the run and a few others)
#   answer             wall time of `git kanbots answer RUN 1`
#   answer -> agent    `answer` started -> the agent has the tool result
# The answer is given BENCH_WAIT seconds (default 2) after the question is
# listed: the server polls the run's ref with back-off (0.1 s, x1.5, at most
# 0.25 s), so this latency is at most ~0.25 s plus the write and the read.
#
# Env: KANBOTS_BIN (binary; default: swift build -c release), BENCH_N (5), BENCH_WAIT (2).
set -euo pipefail
source "$(dirname "$0")/bench-lib.sh"

N=${BENCH_N:-5}
WAIT=${BENCH_WAIT:-2}
[ "$N" -ge 1 ] && [ "$N" -le 50 ] || bench_die "BENCH_N must be 1..50"

repo=$BENCH_TMP/repo
bench_log "generating the repository ..."
bench_make_repo "$repo" 200

agent=$BENCH_TMP/fake-claude
cat >"$agent" <<'PY'
#!/usr/bin/env python3
import json, os, subprocess, sys, time
args = sys.argv[1:]
marks = os.path.join(os.environ["BENCH_TMP"], "marks-" + os.environ["KANBOTS_RUN_ID"])
print(json.dumps({"type": "system", "subtype": "init", "session_id": "bench", "model": "claude-sonnet-4-5"}), flush=True)
config = json.load(open(args[args.index("--mcp-config") + 1]))["mcpServers"]["kanbots"]
server = subprocess.Popen([config["command"]] + config["args"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
def call(number, method, params=None):
    message = {"jsonrpc": "2.0", "id": number, "method": method}
    if params is not None:
        message["params"] = params
    server.stdin.write(json.dumps(message) + "\n")
    server.stdin.flush()
    while True:
        reply = json.loads(server.stdout.readline())
        if reply.get("id") == number:
            return reply
call(1, "initialize", {"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "bench", "version": "1"}})
server.stdin.write(json.dumps({"jsonrpc": "2.0", "method": "notifications/initialized"}) + "\n")
asked = time.time()
reply = call(2, "tools/call", {"name": "ask", "arguments": {"question": "Proceed?", "options": ["yes", "no"], "default": "yes"}})
answered = time.time()
# Written aside and renamed: the benchmark polls for the file and must never read half of it.
with open(marks + ".tmp", "w") as f:
    json.dump({"asked": asked, "answered": answered, "text": reply["result"]["content"][0]["text"]}, f)
os.replace(marks + ".tmp", marks)
server.stdin.close()
server.wait(timeout=10)
print(json.dumps({"type": "result", "subtype": "success", "is_error": False, "total_cost_usd": 0}), flush=True)
PY
chmod +x "$agent"
git -C "$repo" config kanbots.agent.claude.path "$agent"

round() {
    python3 - "$repo" "$WAIT" <<'PY'
import json, os, subprocess, sys, time
repo, wait = sys.argv[1], float(sys.argv[2])
def kanbots(*args):
    t0 = time.time()
    out = subprocess.run(["git", "kanbots", *args], cwd=repo, capture_output=True, text=True, check=True).stdout
    return out, (time.time() - t0) * 1000
run = json.loads(kanbots("dispatch", "1", "--agent", "claude", "--json")[0])["id"]
marks = os.path.join(os.environ["BENCH_TMP"], "marks-" + run)
listing_ms = []
deadline = time.time() + 60
while True:
    out, ms = kanbots("decisions", "--json")
    listing_ms.append(ms)
    if any(d["run"] == run for d in json.loads(out)):
        listed = time.time()
        break
    if time.time() > deadline:
        sys.exit("the question was never listed")
time.sleep(wait)
started = time.time()
_, answer_ms = kanbots("answer", run, "1")
while not os.path.exists(marks) and time.time() < deadline + 60:
    time.sleep(0.001)
m = json.load(open(marks))
assert m["text"] == "The human answered: yes", m
# The ask is sent after the agent's start-up; "listed" is the first listing that saw it.
print(json.dumps({"ask_listed_ms": (listed - m["asked"]) * 1000, "decisions_ms": sorted(listing_ms)[len(listing_ms) // 2],
                  "answer_ms": answer_ms, "delivered_ms": (m["answered"] - started) * 1000}))
PY
}

git_cas() {
    local old new
    old=$(git -C "$repo" rev-parse HEAD)
    new=$(git -C "$repo" commit-tree -p "$old" -m bench "$old^{tree}")
    git -C "$repo" update-ref refs/bench/cas "$old" 2>/dev/null || true
    bench_py time git -C "$repo" update-ref refs/bench/cas "$new" "$old"
}

bench_log "warm-up ..."
round >/dev/null
git_cas >/dev/null

cas_ms=() listed_ms=() decisions_ms=() answer_ms=() delivered_ms=()
for ((i = 1; i <= N; i++)); do
    bench_log "round $i/$N"
    cas_ms+=("$(git_cas)")
    read -r l d a v < <(round | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["ask_listed_ms"], d["decisions_ms"], d["answer_ms"], d["delivered_ms"])')
    listed_ms+=("$l") decisions_ms+=("$d") answer_ms+=("$a") delivered_ms+=("$v")
done
(cd "$repo" && git kanbots stop --all >/dev/null 2>&1 || true)

read -r c_med c_min c_max < <(bench_py stats "${cas_ms[@]}")
echo
echo "bench-decisions: median of N=$N (ms), answered ${WAIT}s after listing, $(nproc 2>/dev/null || echo '?') CPUs, $(git --version)"
bench_row "measurement" median min max "x git"
bench_row "git update-ref REF NEW OLD (CAS write)" "$c_med" "$c_min" "$c_max" "1.00"
for pair in "ask (tools/call) -> listed by decisions|listed_ms" "git kanbots decisions --json|decisions_ms" \
    "git kanbots answer RUN 1|answer_ms" "answer started -> agent has the result|delivered_ms"; do
    label=${pair%%|*} var=${pair##*|}
    declare -n values=$var
    read -r med lo hi < <(bench_py stats "${values[@]}")
    bench_row "$label" "$med" "$lo" "$hi" "$(bench_ratio "$med" "$c_med")"
    unset -n values
done
