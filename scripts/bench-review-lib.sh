# shellcheck shell=bash
# Shared by bench-review.sh and bench-land.sh (sourced after bench-lib.sh):
# a generated repository with RUNS runs In review, built with one
# `git fast-import` stream instead of dispatching agents.
#
# Each run gets a completed record in the run store's own format
# (refs/kanbots/runs/<n>-bnch, queued → running → completed; docs/state-format.md)
# and a branch kanbots/issue-<n>-<n>-bnch with one commit on top of the
# generated tree that replaces one line in each of 1..MAX_FILES files.
#
# bench_make_review_repo DIR FILES RUNS MODE
#   MODE overlap: 10% of the edits go to a pool of 40 shared files, a third
#                 of them to line 2 (real conflicts), the rest to a random line
#                 (same file, mostly no conflict); main then moves on
#                 by two commits, one touching a shared file.
#   MODE disjoint: every run edits its own files (all runs land cleanly).
#   MODE attempts: every run is an attempt of card 1 and rewrites line 2 of
#                  one shared file its own way (every pair would conflict,
#                  were they not attempts of one card).
#   MODE same-file: every run is of its own card and adds the same new file
#                  CHANGES.md with its own line, as runs that each add a
#                  changelog entry do (every pair conflicts).
# Writes $BENCH_TMP/pairs: "tipA tipB" for every pair of runs sharing a path,
# and $BENCH_TMP/tips: every run's branch tip.

bench_make_review_repo() {
    local dir=$1 files=$2 runs=$3 mode=$4
    mkdir -p "$dir"
    git -C "$dir" init -q
    bench_py gen-repo "$dir" "$files" 42
    git -C "$dir" add -A
    git -C "$dir" commit -q -m "generated tree of $files files"
    (cd "$dir" && git kanbots init >/dev/null && git config kanbots.clone bnch && git config kanbots.agent demo)
    local cut
    cut=$(git -C "$dir" rev-parse HEAD)
    python3 - "$dir" "$runs" "$cut" "$mode" "$(hostname)" >"$BENCH_TMP/runs.fi" 3>"$BENCH_TMP/plan.json" <<'PY'
import json, os, random, subprocess, sys, uuid
root, runs, cut, mode, host = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5]
rng = random.Random(50)
files = subprocess.run(["git", "-C", root, "ls-files"], capture_output=True, text=True, check=True).stdout.split()
files = [f for f in files if f != "README.md"]
rng.shuffle(files)
shared, own = files[:40], files[40:]
out = sys.stdout.buffer
who = "Kanbots Bench <bench@kanbots.invalid>"
now = 1_763_000_000
mark = 0
def ts(t):
    import time
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))
def commit(ref, msg, when, parent, changes=()):
    global mark
    mark += 1
    out.write(f"commit {ref}\nmark :{mark}\nauthor {who} {when} +0000\ncommitter {who} {when} +0000\n".encode())
    out.write(f"data {len(msg)}\n".encode() + msg)
    if parent:
        out.write(f"from {parent}\n".encode())
    for path, data in changes:
        out.write(f"M 100644 inline {path}\ndata {len(data)}\n".encode() + data + b"\n")
    out.write(b"\n")
    return f":{mark}"
def record(f, subject):
    order = ["Run", "Card", "State", "Agent", "Branch", "Worktree", "Base", "Base-Commit", "Created", "Started",
             "Ended", "Updated", "Cost-USD", "Cap-USD", "Turns", "Host", "Uuid"]
    return ("\n".join([subject, ""] + [f"{k}: {f[k]}" for k in order if f.get(k) is not None]) + "\n").encode()
def edited(path, line, text):
    lines = open(os.path.join(root, path), "rb").read().split(b"\n")
    index = min(line, len(lines) - 2)
    lines[index] = text.encode()
    return b"\n".join(lines)
plan = {}
branches = {}
next_own = 0
for n in range(1, runs + 1):
    rid = f"{n}-bnch"
    card = 1 if mode == "attempts" else n
    name = f"issue-{card}-{rid}"
    count = 0 if mode in ("attempts", "same-file") else rng.randint(1, 20)
    picks = {}
    for _ in range(count):
        if mode == "overlap" and rng.random() < 0.1:
            path = rng.choice(shared)
            line = 1 if rng.random() < 0.33 else rng.randint(3, 60)
        else:
            path, next_own = own[next_own], next_own + 1
            line = rng.randint(1, 30)
        picks[path] = line
    changes = [(p, edited(p, l, f"edited by run {rid} at line {l}")) for p, l in sorted(picks.items())]
    if mode == "attempts":
        changes = [(shared[0], edited(shared[0], 1, f"attempt {rid} at line 2"))]
    elif mode == "same-file":
        changes = [("CHANGES.md", f"- change of card {card} (run {rid})".encode())]
    plan[rid] = sorted(p for p, _ in changes)
    branches[rid] = f"kanbots/{name}"
    t = now + n * 60
    f = {"Run": rid, "Card": card, "Agent": "demo", "Branch": f"kanbots/{name}", "Worktree": f".kanbots/worktrees/{name}",
         "Base": "main", "Base-Commit": cut, "Created": ts(t), "Updated": ts(t), "Cost-USD": "0.000000", "Cap-USD": "4.00",
         "Host": host, "Uuid": str(uuid.UUID(int=rng.getrandbits(128))), "State": "queued"}
    ref = f"refs/kanbots/runs/{rid}"
    tip = commit(ref, record(f, f"run {rid}: queued"), t, None)
    f.update({"State": "running", "Started": ts(t + 1), "Updated": ts(t + 1)})
    tip = commit(ref, record(f, f"run {rid}: running"), t + 1, tip)
    commit(f"refs/heads/kanbots/{name}", f"Work on card {card}\n".encode(), t + 30, cut, changes)
    f.update({"State": "completed", "Ended": ts(t + 40), "Updated": ts(t + 40), "Cost-USD": "0.120000", "Turns": 3})
    commit(ref, record(f, f"run {rid}: completed"), t + 40, tip)
json.dump({"plan": plan, "shared": shared, "branches": branches}, os.fdopen(3, "w"))
PY
    git -C "$dir" fast-import --quiet <"$BENCH_TMP/runs.fi"
    if [ "$mode" = overlap ]; then
        local hot
        hot=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["shared"][0])' "$BENCH_TMP/plan.json")
        echo "main moves on" >>"$dir/README.md"; git -C "$dir" commit -q -am "main moves on (1)"
        sed -i '2s/.*/changed on main/' "$dir/$hot"; git -C "$dir" commit -q -am "main moves on (2)"
    fi
    # Packed, as a clone or any repository git has maintained would be.
    git -C "$dir" repack -adq
    git -C "$dir" prune
    git -C "$dir" for-each-ref --format='%(objectname)' 'refs/heads/kanbots/' >"$BENCH_TMP/tips"
    python3 - "$BENCH_TMP/plan.json" "$dir" >"$BENCH_TMP/pairs" <<'PY'
import json, subprocess, sys
saved = json.load(open(sys.argv[1]))
plan, branches = saved["plan"], saved["branches"]
tip = {}
for rid in plan:
    tip[rid] = subprocess.run(["git", "-C", sys.argv[2], "rev-parse", branches[rid]],
                              capture_output=True, text=True, check=True).stdout.strip()
ids = sorted(plan, key=lambda r: int(r.split("-")[0]))
for i, a in enumerate(ids):
    for b in ids[i + 1:]:
        if set(plan[a]) & set(plan[b]):
            print(tip[a], tip[b])
PY
}
