#!/usr/bin/env python3
# Writes a `git fast-import` stream of RUNS run records in the run store's own
# format (refs/kanbots/runs/<number>-<clone>, one commit per transition,
# `Key: value` message; see docs/state-format.md), for the benchmarks.
# Usage: bench-records.py RUNS BASE_COMMIT HOST > records.fi
# The mix: three clones' ids; most runs completed, failed or discarded with
# their branch gone; 50 runs whose branch still exists (1 commit ahead of
# BASE_COMMIT); 3 runs still running on another host; cards 1..8.
import random, sys, uuid

runs, cut, _host = int(sys.argv[1]), sys.argv[2], sys.argv[3]
rng = random.Random(10000)
who = "Kanbots Bench <bench@kanbots.invalid>"
now = 1_763_000_000                      # Nov 2025
out = sys.stdout.buffer
mark = 0

def ts(t):
    import time
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))

def message(f, subject):
    order = ["Run", "Card", "State", "Reason", "Agent", "Model", "Persona", "Branch", "Worktree", "Base",
             "Base-Commit", "Created", "Started", "Ended", "Updated", "Cost-USD", "Cap-USD", "Turns", "Session",
             "Supervisor-PID", "Agent-PID", "Host", "Uuid", "Reply-To"]
    lines = [subject, ""] + [f"{k}: {f[k]}" for k in order if f.get(k) is not None]
    return ("\n".join(lines) + "\n").encode()

def commit(ref, msg, when, parent):
    global mark
    mark += 1
    out.write(f"commit {ref}\nmark :{mark}\nauthor {who} {when} +0000\ncommitter {who} {when} +0000\n".encode())
    out.write(f"data {len(msg)}\n".encode() + msg)
    if parent:
        out.write(f"from {parent}\n".encode())
    out.write(b"\n")
    return f":{mark}"

clones = [("bnch", 0.7), ("q7mx", 0.2), ("zr4k", 0.1)]
counters = {c: 0 for c, _ in clones}
with_branch = set(rng.sample(range(runs), 50))
running_elsewhere = set(rng.sample(sorted(set(range(runs)) - with_branch), 3))
for n in range(runs):
    clone = rng.choices([c for c, _ in clones], [w for _, w in clones])[0]
    counters[clone] += 1
    rid = f"{counters[clone]}-{clone}"
    card = rng.randint(1, 8)
    name = f"issue-{card}-{rid}"
    created = now - rng.randint(0, 90 * 86400)
    started = created + rng.randint(1, 5)
    ended = started + rng.randint(30, 3600)
    cost = round(rng.uniform(0.01, 3.5), 6)
    f = {"Run": rid, "Card": card, "Agent": rng.choice(["claude", "claude", "codex", "demo"]),
         "Model": rng.choice(["claude-sonnet-4-5", "claude-haiku-4-5", "gpt-5-codex", None]),
         "Branch": f"kanbots/{name}", "Worktree": f".kanbots/worktrees/{name}", "Base": "main",
         "Base-Commit": cut, "Created": ts(created), "Updated": ts(created), "Cost-USD": "0.000000",
         "Cap-USD": "4.00", "Host": "ci-runner-2" if n in running_elsewhere else rng.choice(["laptop", "ci-runner-1"]),
         "Uuid": str(uuid.UUID(int=rng.getrandbits(128)))}
    ref = f"refs/kanbots/runs/{rid}"
    f["State"] = "queued"
    tip = commit(ref, message(f, f"run {rid}: queued"), created, None)
    f.update({"State": "running", "Started": ts(started), "Updated": ts(started),
              "Supervisor-PID": rng.randint(1000, 90000), "Agent-PID": rng.randint(1000, 90000),
              "Session": str(uuid.UUID(int=rng.getrandbits(128)))})
    tip = commit(ref, message(f, f"run {rid}: running"), started, tip)
    if n in running_elsewhere:
        continue
    if n in with_branch:
        final, reason = ("completed", None) if rng.random() < 0.9 else ("failed", "cost_capped 4.0123")
        branch_commit = (f"Record card {card}\n\nWritten by the git-kanbots demo agent.\n").encode()
        commit(f"refs/heads/{f['Branch']}", branch_commit, started + 10, cut)
    else:
        final, reason = rng.choices(
            [("completed", None), ("completed", "no_diff"), ("failed", "agent_exited 1"),
             ("failed", "supervisor_lost"), ("cancelled", "stopped_by_user"), ("merged", None)],
            [50, 5, 15, 5, 4, 1])[0]
    f.update({"State": final, "Reason": reason, "Ended": ts(ended), "Updated": ts(ended),
              "Cost-USD": f"{cost:.6f}", "Turns": rng.randint(1, 40)})
    subject = f"run {rid}: {final}" + (f" ({reason})" if reason else "")
    tip = commit(ref, message(f, subject), ended, tip)
    # Most finished runs without a branch were discarded: one more transition.
    if n not in with_branch and final in ("completed", "failed", "cancelled") and rng.random() < 0.35:
        f.update({"State": "discarded", "Reason": f"branch was at {cut}", "Updated": ts(ended + 600)})
        commit(ref, message(f, f"run {rid}: discarded (branch was at {cut})"), ended + 600, tip)
