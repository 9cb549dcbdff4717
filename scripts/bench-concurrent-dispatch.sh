#!/usr/bin/env bash
# 50 concurrent `git kanbots dispatch 1`, all released at the same instant
# (forked and held at a barrier, then let go together), against plain
# `git worktree add -b` started 10 and 50 at a time in the same kind of repo.
#
# kanbots: wall time until the 50 commands returned, and until all 50 runs
# finished; checks 50 successes, 50 distinct ids, 50 branches, 50 registered
# worktrees with files, 50 complete records; compare-and-swap writes and
# retries from KANBOTS_STATS (one `writes=N retries=M pid=P` line per process,
# attributed to dispatch or supervisor through the pids the records keep);
# each run's port block (docs/environment.md): how many distinct blocks (a
# block is reused once its run ended, so with quick demo runs fewer than 50;
# that live runs never share one is ConcurrentDispatchTests' job), and the
# time each dispatch spent allocating it (`ports_ms` in KANBOTS_STATS).
# git: how many of the concurrent commands failed, how, and what they left.
#
# Env: KANBOTS_BIN (binary; default: swift build -c release), BENCH_FILES
#      (files in the generated repo, 500), BENCH_CONCURRENCY (50),
#      BENCH_ROUNDS (kanbots rounds, 1), BENCH_GIT_ROUNDS (rounds per git size, 3).
set -euo pipefail
source "$(dirname "$0")/bench-lib.sh"

FILES=${BENCH_FILES:-500}
C=${BENCH_CONCURRENCY:-50}
ROUNDS=${BENCH_ROUNDS:-1}
GIT_ROUNDS=${BENCH_GIT_ROUNDS:-3}
[ "$C" -ge 2 ] && [ "$C" -le 200 ] || bench_die "BENCH_CONCURRENCY must be 2..200"
[ "$ROUNDS" -ge 1 ] && [ "$ROUNDS" -le 10 ] || bench_die "BENCH_ROUNDS must be 1..10"
[ "$GIT_ROUNDS" -ge 1 ] && [ "$GIT_ROUNDS" -le 10 ] || bench_die "BENCH_GIT_ROUNDS must be 1..10"

template=$BENCH_TMP/template
bench_log "generating a $FILES-file repository ..."
bench_make_repo "$template" "$FILES"

# Waits (bounded) until every run in $1 is in a finished state; echoes seconds waited.
wait_all_finished() {
    python3 - "$1" "$2" <<'PY'
import subprocess, sys, time
repo, want = sys.argv[1], int(sys.argv[2])
t0 = time.perf_counter()
while time.perf_counter() - t0 < 180:
    out = subprocess.run(["git", "-C", repo, "for-each-ref", "--format=%(contents:body)%00", "refs/kanbots/runs/"],
                         capture_output=True, text=True, check=True).stdout
    states = [line[7:] for body in out.split("\0") for line in body.splitlines() if line.startswith("State: ")]
    if len(states) == want and not any(s in ("queued", "running", "awaiting_decision") for s in states):
        print(f"{time.perf_counter() - t0:.3f}")
        sys.exit(0)
    time.sleep(0.1)
sys.exit("runs did not all finish within 180 s")
PY
}

kanbots_results=()
for ((round = 1; round <= ROUNDS; round++)); do
    repo=$BENCH_TMP/kanbots-$round
    out=$BENCH_TMP/kanbots-$round.out
    stats=$BENCH_TMP/kanbots-$round.stats
    cp -a "$template" "$repo"
    mkdir -p "$out"
    bench_log "round $round: $C concurrent git kanbots dispatch 1 ..."
    t0=$(date +%s.%N)
    json=$(KANBOTS_STATS=$stats bench_py concurrent "$C" "$repo" "$out" git kanbots dispatch 1)
    waited=$(wait_all_finished "$repo" "$C") || bench_die "round $round: runs did not finish"
    t1=$(date +%s.%N)
    report=$(python3 - "$repo" "$out" "$stats" "$C" "$json" "$t0" "$t1" <<'PY'
import json, os, re, subprocess, sys
repo, outdir, stats, want, run, t0, t1 = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), json.loads(sys.argv[5]), float(sys.argv[6]), float(sys.argv[7])
env = dict(os.environ); env.pop("KANBOTS_STATS", None)
def git(*args):
    return subprocess.run(["git", "-C", repo, *args], capture_output=True, text=True, check=True, env=env).stdout
problems = []
codes = run["codes"]
ok = sum(1 for c in codes if c == 0)
ids = []
for k in range(want):
    text = open(os.path.join(outdir, f"{k}.out")).read()
    m = re.search(r"^run (\S+) started", text, re.M)
    if m: ids.append(m.group(1))
    elif codes[k] != 0: problems.append(f"dispatch {k} exit {codes[k]}: {text.strip().splitlines()[-1] if text.strip() else ''}")
branches = [l for l in git("for-each-ref", "--format=%(refname)", "refs/heads/kanbots/").split()]
# The runs' worktrees only: the warm pool's entries (.kanbots/pool/) are worktrees too.
worktrees = [l.split(" ", 1)[1] for l in git("worktree", "list", "--porcelain").splitlines()
             if l.startswith("worktree ") and "/.kanbots/worktrees/" in l]
with_files = sum(1 for w in worktrees if os.path.exists(os.path.join(w, "README.md")))
bodies = git("for-each-ref", "--format=%(refname:lstrip=3)%00%(contents:body)%00", "refs/kanbots/runs/").split("\0")
records = {}
for name, body in zip(bodies[0::2], bodies[1::2]):
    records[name.strip()] = dict(l.split(": ", 1) for l in body.splitlines() if ": " in l)
completed = sum(1 for r in records.values() if r.get("State") == "completed")
sup_pids = set(); agent_pids = set()
for name in records:
    for body in git("log", "--format=%B%x00", f"refs/kanbots/runs/{name}").split("\0"):
        for l in body.splitlines():
            if l.startswith("Supervisor-PID: "): sup_pids.add(int(l.split(": ")[1]))
            if l.startswith("Agent-PID: "): agent_pids.add(int(l.split(": ")[1]))
roles = {"dispatch": [0, 0, 0, 0], "supervisor": [0, 0, 0, 0]}   # processes, writes, retries, max retries
blocks = []
for name in records:
    for l in git("log", "-1", "--format=%B", f"refs/kanbots/runs/{name}").splitlines():
        if l.startswith("Ports: "):
            first, last = map(int, l.split(": ")[1].split("-")); blocks.append((first, last))
distinct = len(set(blocks))
ports_ms = []
if os.path.exists(stats):
    for line in open(stats):
        f = dict(kv.split("=") for kv in line.split())
        pid, w, r = int(f["pid"]), int(f["writes"]), int(f["retries"])
        if pid in agent_pids: continue
        if pid not in sup_pids and float(f.get("ports_ms", 0)) > 0: ports_ms.append(float(f["ports_ms"]))
        role = roles["supervisor" if pid in sup_pids else "dispatch"]
        role[0] += 1; role[1] += w; role[2] += r; role[3] = max(role[3], r)
if len(set(ids)) != want: problems.append(f"{len(set(ids))} distinct ids of {want}")
if len(branches) != want: problems.append(f"{len(branches)} branches")
if len(worktrees) != want or with_files != want: problems.append(f"{len(worktrees)} worktrees, {with_files} with files")
if len(records) != want or completed != want: problems.append(f"{len(records)} records, {completed} completed")
if len(blocks) != want: problems.append(f"{len(blocks)} runs with ports")
ports_ms.sort()
print(json.dumps({"wall_ms": run["wall_ms"], "done_s": t1 - t0, "ok": ok, "ids": len(set(ids)),
                  "branches": len(branches), "worktrees": len(worktrees), "with_files": with_files,
                  "records": len(records), "completed": completed, "roles": roles,
                  "stats": os.path.exists(stats), "problems": problems, "blocks": distinct,
                  "ports_ms": ports_ms}))
PY
)
    kanbots_results+=("$report")
    bench_wait_supervisors 30
    rm -rf "$repo"
done

git_results=()
for n in 10 "$C"; do
    for ((round = 1; round <= GIT_ROUNDS; round++)); do
        repo=$BENCH_TMP/git-$n-$round
        out=$BENCH_TMP/git-$n-$round.out
        cp -a "$template" "$repo"
        mkdir -p "$out" "$repo/.kanbots/plain"
        bench_log "$n concurrent git worktree add -b, round $round ..."
        json=$(bench_py concurrent "$n" "$repo" "$out" git worktree add -b "plain-{k}" "$repo/.kanbots/plain/wt-{k}" main)
        report=$(python3 - "$repo" "$out" "$n" "$json" <<'PY'
import collections, json, os, re, subprocess, sys
repo, outdir, n, run = sys.argv[1], sys.argv[2], int(sys.argv[3]), json.loads(sys.argv[4])
def git(*args):
    return subprocess.run(["git", "-C", repo, *args], capture_output=True, text=True).stdout
failed = [k for k, c in enumerate(run["codes"]) if c != 0]
reasons = collections.Counter()
for k in failed:
    lines = [l for l in open(os.path.join(outdir, f"{k}.out")).read().splitlines() if l.startswith(("fatal", "error"))]
    reason = re.sub(r"/\S+", "<path>", lines[0] if lines else "exit %d" % run["codes"][k])
    reasons[re.sub(r"plain-\d+|wt-\d+", "<name>", reason)[:90]] += 1
branches = set(git("for-each-ref", "--format=%(refname:lstrip=2)", "refs/heads/plain-*").split())
wts = [l.split(" ", 1)[1] for l in git("worktree", "list", "--porcelain").splitlines() if l.startswith("worktree ")][1:]
complete = sum(1 for k in range(n) if os.path.exists(f"{repo}/.kanbots/plain/wt-{k}/README.md"))
orphans = len([b for b in branches if not os.path.exists(f"{repo}/.kanbots/plain/wt-{b.split('-')[1]}/README.md")])
print(json.dumps({"wall_ms": run["wall_ms"], "failed": len(failed), "branches": len(branches), "worktrees": len(wts),
                  "complete": complete, "orphan_branches": orphans, "reasons": dict(reasons)}))
PY
)
        git_results+=("$n|$report")
        rm -rf "$repo"
    done
done

echo
echo "bench-concurrent-dispatch: $FILES-file repo, $(nproc 2>/dev/null || echo '?') CPUs, $(git --version)"
python3 - "$C" "${kanbots_results[@]}" <<'PY'
import json, sys
want = int(sys.argv[1])
print(f"{'kanbots, ' + str(want) + ' concurrent dispatches':44} {'cmds wall ms':>14} {'all done s':>11} {'ok':>4} {'ids':>4} {'branch':>6} {'wtree':>6} {'done':>5}")
for i, text in enumerate(sys.argv[2:], 1):
    r = json.loads(text)
    print(f"{'round %d' % i:44} {r['wall_ms']:14.1f} {r['done_s']:11.2f} {r['ok']:4} {r['ids']:4} {r['branches']:6} {r['worktrees']:6} {r['completed']:5}")
    verdict = "all %d succeeded" % want if not r["problems"] else "PROBLEMS: " + "; ".join(r["problems"])
    print(f"   {verdict}")
    if not r["stats"]:
        print("   retries per state write: not instrumented (no KANBOTS_STATS output)")
    p = r["ports_ms"]
    if p:
        print(f"   ports: {r['blocks']} distinct blocks; allocation per dispatch median {p[len(p) // 2]:.2f} ms, max {p[-1]:.2f} ms")
    for role, (procs, writes, retries, worst) in r["roles"].items():
        per = f"{retries / writes:.2f}" if writes else "n/a"
        print(f"   {role:10} processes {procs:3}  CAS writes {writes:4}  retries {retries:5}  retries/write {per:>6}  max in one process {worst}")
PY
python3 - "${git_results[@]}" <<'PY'
import json, sys
print(f"{'plain git worktree add -b, concurrent':44} {'wall ms':>14} {'failed':>11} {'branch':>6} {'wtree':>6} {'orphan branches':>16}")
for item in sys.argv[1:]:
    n, text = item.split("|", 1)
    r = json.loads(text)
    print(f"{'  ' + n + ' at once':44} {r['wall_ms']:14.1f} {str(r['failed']) + ' of ' + n:>11} {r['branches']:6} {r['worktrees']:6} {r['orphan_branches']:16}")
    for reason, count in r["reasons"].items():
        print(f"      {count} x {reason}")
PY
