# shellcheck shell=bash
# Shared helpers for scripts/bench-*.sh (sourced, not run).
#
# Gives each benchmark: the binary (KANBOTS_BIN, or a release build of this
# checkout), a private temp dir removed at exit, an isolated git identity
# (HOME inside the temp dir, so neither git nor libgit2 reads the user's
# config), `git kanbots` on PATH, and a small python3 helper for timing.
# Needs: bash, git, python3. Nothing else (no hyperfine).

BENCH_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BENCH_NAME=$(basename "$0" .sh)

bench_die() { echo "$BENCH_NAME: $*" >&2; exit 1; }
bench_log() { echo "[$BENCH_NAME] $*" >&2; }

for tool in git python3; do
    command -v "$tool" >/dev/null 2>&1 || bench_die "needs $tool on PATH"
done

# --- the binary -------------------------------------------------------------
if [ -n "${KANBOTS_BIN:-}" ]; then
    [ -x "$KANBOTS_BIN" ] || bench_die "KANBOTS_BIN=$KANBOTS_BIN is not an executable"
    KB=$(cd "$(dirname "$KANBOTS_BIN")" && pwd)/$(basename "$KANBOTS_BIN")
else
    command -v swift >/dev/null 2>&1 || bench_die "set KANBOTS_BIN or install swift to build one"
    bench_log "building the release programs (scripts/build-release.sh) ..."
    KB=$("$BENCH_ROOT/scripts/build-release.sh")/git-kanbots
fi
export KB

# --- temp dir, isolation, cleanup ---------------------------------------------
# Where: BENCH_DIR, else TMPDIR, else /tmp. Every benchmark builds its
# repositories in here (/dev/shm keeps the disk out).
BENCH_TMP=$(mktemp -d "${BENCH_DIR:-${TMPDIR:-/tmp}}/kanbots-bench.XXXXXX")
export BENCH_TMP

# Waits (bounded) for supervisors started in the temp dir to let go of their
# locks, so removing the dir does not pull a worktree from under one.
bench_wait_supervisors() {
    python3 - "$BENCH_TMP" "${1:-20}" <<'PY' || true
import fcntl, glob, os, sys, time
root, limit = sys.argv[1], float(sys.argv[2])
deadline = time.time() + limit
locks = glob.glob(os.path.join(root, "**", ".git", "kanbots", "runs", "*", "supervisor.lock"), recursive=True)
for path in locks:
    while time.time() < deadline:
        try:
            fd = os.open(path, os.O_RDONLY)
        except OSError:
            break
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
            break                      # nobody holds it
        except OSError:
            time.sleep(0.05)
        finally:
            os.close(fd)
PY
}

bench_cleanup() {
    local status=$?
    trap - EXIT INT TERM
    if [ -n "${BENCH_KEEP:-}" ] && [ -n "${BENCH_TMP:-}" ]; then
        echo "kept $BENCH_TMP (BENCH_KEEP)" >&2
    elif [ -n "${BENCH_TMP:-}" ] && [ -d "$BENCH_TMP" ]; then
        bench_wait_supervisors 20
        rm -rf "$BENCH_TMP" 2>/dev/null || { sleep 1; rm -rf "$BENCH_TMP" || true; }
    fi
    exit "$status"
}
trap bench_cleanup EXIT
trap 'exit 130' INT TERM

mkdir -p "$BENCH_TMP/home" "$BENCH_TMP/bin"
export HOME=$BENCH_TMP/home
export GIT_CONFIG_NOSYSTEM=1
export XDG_CONFIG_HOME=$HOME/.config
cat >"$HOME/.gitconfig" <<'EOF'
[user]
	name = Kanbots Bench
	email = bench@kanbots.invalid
[init]
	defaultBranch = main
[advice]
	detachedHead = false
[gc]
	auto = 0
[maintenance]
	auto = false
EOF
ln -s "$KB" "$BENCH_TMP/bin/git-kanbots"
export PATH=$BENCH_TMP/bin:$PATH
export KANBOTS_DEMO_STEP_SECONDS=0
# Keep git from spending time on things no benchmark asked for.
export GIT_TERMINAL_PROMPT=0

# --- python helper ------------------------------------------------------------
BENCH_PY=$BENCH_TMP/benchlib.py
cat >"$BENCH_PY" <<'PY'
"""Timing helpers for the git-kanbots benchmarks (python3 standard library only)."""
import json, os, random, statistics, subprocess, sys, time

def ms(seconds):
    return seconds * 1000.0

def cmd_time(argv):
    """time CMD...: run CMD (output discarded), print wall ms; exit 1 if it failed."""
    t0 = time.perf_counter()
    rc = subprocess.call(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    t1 = time.perf_counter()
    print(f"{ms(t1 - t0):.3f}")
    return 0 if rc == 0 else 1

def cmd_time_cpu(argv):
    """time-cpu CMD...: like time, but prints "wall_ms cpu_ms" (user + system
    time of the command and its children): a figure a loaded machine inflates
    far less than wall time."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    t1 = time.perf_counter()
    print(f"{ms(t1 - t0):.3f} {ms(usage.ru_utime + usage.ru_stime):.3f}")
    return 0 if os.waitstatus_to_exitcode(status) == 0 else 1

def cmd_median(argv):
    """median N...: print the median."""
    values = [float(v) for v in argv]
    print(f"{statistics.median(values):.3f}" if values else "nan")
    return 0

def cmd_stats(argv):
    """stats N...: print 'median min max'."""
    values = [float(v) for v in argv]
    print(f"{statistics.median(values):.3f} {min(values):.3f} {max(values):.3f}")
    return 0

def cmd_ratio(argv):
    a, b = float(argv[0]), float(argv[1])
    print(f"{a / b:.2f}" if b > 0 else "nan")
    return 0

def cmd_gen_repo(argv):
    """gen-repo DIR NFILES SEED: nested folders of small text files (realistic-ish source tree)."""
    root, count, seed = argv[0], int(argv[1]), int(argv[2])
    rng = random.Random(seed)
    words = ("alpha beta gamma delta state record branch worktree agent card board run "
             "commit merge index tree blob object value return error config lock ref "
             "update create remove check parse format render").split()
    tops = ["src", "lib", "tests", "docs", "tools", "assets", "pkg", "internal"]
    exts = [".swift", ".py", ".md", ".txt", ".json", ".c", ".h", ".sh", ".yml"]
    folders = []
    for top in tops:
        for a in range(rng.randint(4, 9)):
            base = f"{top}/mod{a:02d}"
            folders.append(base)
            for b in range(rng.randint(0, 5)):
                sub = f"{base}/part{b}"
                folders.append(sub)
                if rng.random() < 0.4:
                    folders.append(f"{sub}/deep{rng.randint(0, 3)}")
    for i in range(count):
        folder = rng.choice(folders)
        path = os.path.join(root, folder, f"file{i:05d}{rng.choice(exts)}")
        os.makedirs(os.path.dirname(path), exist_ok=True)
        lines = []
        for _ in range(rng.randint(3, 60)):       # ~0.1 to ~3 KB
            lines.append(" ".join(rng.choice(words) for _ in range(rng.randint(2, 10))))
        with open(path, "w") as f:
            f.write(f"// file {i}\n" + "\n".join(lines) + "\n")
    with open(os.path.join(root, "README.md"), "w") as f:
        f.write("# generated benchmark repository\n")
    return 0

def cmd_dispatch(argv):
    """dispatch RUNS_DIR REFS_DIR TIMEOUT CMD...: run a dispatch and time its milestones.

    Prints JSON: exit_ms (command returned), transcript_ms (the supervisor
    opened the transcript, i.e. is spawning the agent), running_ms (the run's
    ref moved past its first record: the `running` transition), first_line_ms
    (the agent's first stdout line is in transcript.ndjson), run id, rc.
    Polls every 0.25 ms; everything is relative to the instant before spawn.
    """
    runs_dir, refs_dir, timeout = argv[0], argv[1], float(argv[2])
    cmd = argv[3:]
    before = set(os.listdir(runs_dir)) if os.path.isdir(runs_dir) else set()
    out_path = os.path.join(os.environ["BENCH_TMP"], "dispatch.out")
    out = open(out_path, "w")
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT)
    marks = {}
    run = None
    first_ref = None
    deadline = t0 + timeout
    while time.perf_counter() < deadline:
        now = time.perf_counter()
        if "exit_ms" not in marks and proc.poll() is not None:
            marks["exit_ms"] = ms(now - t0)
        if run is None and os.path.isdir(runs_dir):
            new = set(os.listdir(runs_dir)) - before
            if new:
                run = sorted(new)[0]
        if run is not None:
            tpath = os.path.join(runs_dir, run, "transcript.ndjson")
            try:
                size = os.stat(tpath).st_size
                marks.setdefault("transcript_ms", ms(now - t0))
                if size > 0:
                    marks.setdefault("first_line_ms", ms(now - t0))
            except FileNotFoundError:
                pass
            if "running_ms" not in marks:
                try:
                    with open(os.path.join(refs_dir, run)) as f:
                        tip = f.read().strip()
                    if first_ref is None:
                        first_ref = tip
                    elif tip != first_ref:
                        marks["running_ms"] = ms(now - t0)
                except FileNotFoundError:
                    pass
        if all(k in marks for k in ("exit_ms", "first_line_ms", "running_ms")):
            break
        time.sleep(0.00025)
    proc.wait(timeout=max(1.0, deadline - time.perf_counter()))
    out.close()
    marks["rc"] = proc.returncode
    marks["run"] = run
    print(json.dumps(marks))
    return 0 if proc.returncode == 0 and "first_line_ms" in marks else 1

def cmd_concurrent(argv):
    """concurrent N CWD OUTDIR CMD...: fork N copies of CMD ("{k}" in an argument
    becomes the child's index) held at a barrier,
    release them together, wait for all. Prints JSON: wall_ms, exit codes, pids.
    Each child's output goes to OUTDIR/<k>.out."""
    n, cwd, outdir = int(argv[0]), argv[1], argv[2]
    cmd = argv[3:]
    r, w = os.pipe()
    pids = []
    for k in range(n):
        pid = os.fork()
        if pid == 0:
            try:
                os.close(w)
                os.chdir(cwd)
                fd = os.open(os.path.join(outdir, f"{k}.out"), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
                os.dup2(fd, 1)
                os.dup2(fd, 2)
                os.read(r, 1)                  # barrier: returns when the parent closes w
                os.close(r)
                args = [a.replace("{k}", str(k)) for a in cmd]
                os.execvp(args[0], args)
            finally:
                os._exit(127)
        pids.append(pid)
    os.close(r)
    time.sleep(0.2)                            # let every child reach the barrier
    t0 = time.perf_counter()
    os.close(w)
    codes = {}
    last = t0
    for _ in range(n):
        pid, status = os.wait()
        last = time.perf_counter()
        codes[pid] = os.waitstatus_to_exitcode(status)
    print(json.dumps({"wall_ms": ms(last - t0), "codes": [codes[p] for p in pids], "pids": pids}))
    return 0

def cmd_gen_runs(argv):
    """gen-runs COUNT CLONE CARDS BASE_COMMIT HOST: a `git fast-import` stream of
    COUNT finished runs of clone CLONE in the run store's own format
    (refs/kanbots/runs/<n>-<clone>, queued -> running -> completed/failed,
    `Key: value` messages, empty trees; see docs/state-format.md)."""
    import uuid
    count, clone, cards, base, host = int(argv[0]), argv[1], int(argv[2]), argv[3], argv[4]
    rng = random.Random(count)
    who = "Kanbots Bench <bench@kanbots.invalid>"
    out = sys.stdout.buffer
    order = ["Run", "Card", "State", "Reason", "Agent", "Model", "Branch", "Worktree", "Base", "Base-Commit",
             "Created", "Started", "Ended", "Updated", "Cost-USD", "Cap-USD", "Turns", "Session", "Host", "Uuid"]
    ts = lambda t: time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))
    mark = 0
    for n in range(1, count + 1):
        rid, card = f"{n}-{clone}", rng.randint(1, cards)
        name = f"issue-{card}-{rid}"
        created = 1_763_000_000 + n * 60
        f = {"Run": rid, "Card": card, "Agent": "claude", "Model": "claude-sonnet-4-5", "Branch": f"kanbots/{name}",
             "Worktree": f".kanbots/worktrees/{name}", "Base": "main", "Base-Commit": base, "Created": ts(created),
             "Updated": ts(created), "Cost-USD": "0.000000", "Cap-USD": "4.00", "Host": host,
             "Uuid": str(uuid.UUID(int=rng.getrandbits(128)))}
        final = rng.choice([("completed", None), ("completed", "no_diff"), ("failed", "agent_exited 1")])
        steps = [("queued", None, {}), ("running", None, {"Started": ts(created + 2), "Updated": ts(created + 2),
                                                          "Session": str(uuid.UUID(int=rng.getrandbits(128)))}),
                 (final[0], final[1], {"Ended": ts(created + 300), "Updated": ts(created + 300),
                                       "Cost-USD": f"{rng.uniform(0.01, 3.5):.6f}", "Turns": rng.randint(1, 40)})]
        parent = None
        for state, reason, more in steps:
            f.update(more)
            f["State"], f["Reason"] = state, reason
            subject = f"run {rid}: {state}" + (f" ({reason})" if reason else "")
            msg = ("\n".join([subject, ""] + [f"{k}: {f[k]}" for k in order if f.get(k) is not None]) + "\n").encode()
            mark += 1
            when = created + (0 if state == "queued" else 2 if state == "running" else 300)
            out.write(f"commit refs/kanbots/runs/{rid}\nmark :{mark}\n".encode())
            out.write(f"author {who} {when} +0000\ncommitter {who} {when} +0000\n".encode())
            out.write(f"data {len(msg)}\n".encode() + msg)
            if parent:
                out.write(f"from {parent}\n".encode())
            out.write(b"\n")
            parent = f":{mark}"
    return 0

def cmd_gen_stream(argv):
    """gen-stream PATH MB LARGE_EVERY: a Claude Code stream-json transcript of about
    MB megabytes: init, then turns of an assistant line (text, a Bash tool call,
    usage) and a user line with the tool's result of 20 to 20,000 words; every
    LARGE_EVERY-th turn's result (0: none) is instead a file of 30,000 to 60,000
    numbered, tab-indented lines (1 to 3 MB, escapes on every line)."""
    path, megabytes, large_every = argv[0], int(argv[1]), int(argv[2])
    rng = random.Random(7)
    session = "5c1e0b6a-0000-4000-8000-000000000001"
    words = "the run store keeps every transition in git so the board can be derived from it".split()
    text = lambda n: " ".join(rng.choice(words) for _ in range(n))
    out = open(path, "w")
    out.write(json.dumps({"type": "system", "subtype": "init", "session_id": session, "model": "claude-sonnet-4-5",
                          "cwd": "/work", "tools": ["Bash", "Read", "Write"]}) + "\n")
    size, turn = 0, 0
    while size < megabytes * 1_000_000:
        turn += 1
        usage = {"input_tokens": rng.randint(50, 500), "output_tokens": rng.randint(20, 400),
                 "cache_creation_input_tokens": rng.randint(0, 2000), "cache_read_input_tokens": rng.randint(0, 20000)}
        tool = f"toolu_{turn:08d}"
        assistant = {"type": "assistant", "message": {"id": f"msg_{turn:08d}", "model": "claude-sonnet-4-5", "role": "assistant",
                     "content": [{"type": "text", "text": text(rng.randint(5, 60))},
                                 {"type": "tool_use", "id": tool, "name": "Bash", "input": {"command": "grep -rn store Sources/ | head -50"}}],
                     "usage": usage}, "session_id": session}
        if large_every and turn % large_every == 0:
            result = "\n".join(f"{i:6d}\t" + text(rng.randint(3, 14)) for i in range(rng.randint(30_000, 60_000)))
        else:
            result = text(rng.choice([20, 200, 2000, 20000]))
        user = {"type": "user", "message": {"role": "user", "content": [{"type": "tool_result", "tool_use_id": tool,
                "content": result}]}, "session_id": session}
        for line in (assistant, user):
            encoded = json.dumps(line)
            out.write(encoded + "\n")
            size += len(encoded) + 1
    out.write(json.dumps({"type": "result", "subtype": "success", "is_error": False, "num_turns": turn,
                          "session_id": session, "total_cost_usd": 1.0, "duration_ms": 1}) + "\n")
    out.close()
    return 0

def main():
    name, argv = sys.argv[1], sys.argv[2:]
    fn = globals().get("cmd_" + name.replace("-", "_"))
    if fn is None:
        sys.exit(f"benchlib: unknown helper {name}")
    sys.exit(fn(argv))

if __name__ == "__main__":
    main()
PY

bench_py() { python3 "$BENCH_PY" "$@"; }

# A fresh repository holding 200 generated files in one commit on main.
bench_tree_repo() {
    mkdir -p "$1"
    git -C "$1" init -q
    bench_py gen-repo "$1" 200 7
    git -C "$1" add -A
    git -C "$1" commit -q -m "initial tree"
}

# Generates a repository of N small files in nested folders, one commit on
# main, packed as a fresh clone would be, set up for git-kanbots with one card.
bench_make_repo() {
    local dir=$1 files=$2
    mkdir -p "$dir"
    git -C "$dir" init -q
    bench_py gen-repo "$dir" "$files" 42
    git -C "$dir" add -A
    git -C "$dir" commit -q -m "generated tree of $files files"
    git -C "$dir" repack -adq
    git -C "$dir" prune
    (cd "$dir" && git kanbots init >/dev/null && git kanbots card new "Benchmark card" --body "Make a small change." >/dev/null)
}

# A repository with RUNS run records written straight into git
# (scripts/bench-records.py, one fast-import stream): 200 files, main two
# commits past the runs' base, clone tag bnch, cards 1..8.
bench_make_runs_repo() {
    local dir=$1 runs=$2 cut loose
    bench_log "generating the repository and $runs run records ..."
    mkdir -p "$dir"
    git -C "$dir" init -q
    bench_py gen-repo "$dir" 200 7
    git -C "$dir" add -A
    git -C "$dir" commit -q -m "initial tree"
    cut=$(git -C "$dir" rev-parse HEAD)
    for i in 1 2; do echo "change $i" >>"$dir/README.md"; git -C "$dir" commit -q -am "main moves on ($i)"; done
    (
        cd "$dir"
        git kanbots init >/dev/null
        git config kanbots.clone bnch
        for i in 1 2 3 4 5 6 7 8; do git kanbots card new "Card $i of the benchmark" --body "Body $i" >/dev/null; done
    )

    python3 "$BENCH_ROOT/scripts/bench-records.py" "$runs" "$cut" "$(hostname)" >"$BENCH_TMP/records.fi"
    git -C "$dir" fast-import --quiet <"$BENCH_TMP/records.fi"
    git -C "$dir" worktree prune

    loose=$(find "$dir/.git/refs/kanbots/runs" -type f | wc -l)
    [ "$loose" -eq "$runs" ] || bench_die "expected $runs loose run refs, found $loose"
    bench_log "$runs run refs written ($(git -C "$dir" rev-list --all --count) commits)"
}

# Prints a table row: label, value columns.
bench_row() { printf '%-44s' "$1"; shift; for c in "$@"; do printf ' %14s' "$c"; done; printf '\n'; }

# Median over a list of numbers (arguments).
bench_median() { bench_py median "$@"; }
bench_ratio() { bench_py ratio "$1" "$2"; }
