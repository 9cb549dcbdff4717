#!/usr/bin/env python3
"""The web board's benchmark, driven from headless Chromium (Selenium).

Usage: bench-web.py REPO KANBOTS_BINARY N
Prints a table on stdout. Measures, in this order:
  1. page load with the repository's runs: navigation start to the board
     rendered, read in the browser (performance.now() at the first render);
     `board --json` by the CLI in the same run as the baseline;
  2. a ref update (`git update-ref`, started by this script) to the `board`
     event arriving in the page (Date.now() in the page), median of 20;
  3. dispatch latency (command start to `dispatch` returning, and to the
     agent's first transcript line) without the server, then with it
     running and a page open, alternately, N of each;
  4. 20 open pages while 20 runs stream: the server's CPU time over the
     wall time and its peak RSS, sampled from /proc every 100 ms. One page is
     Chromium's; the other 19 are clients that do what the page does (hold
     the event stream, reload /api/board on each `board` event, one load at
     a time), because a browser opens at most 6 connections to one host and
     each page's event stream holds one.
"""
import http.client, json, os, shutil, statistics, subprocess, sys, threading, time

from selenium import webdriver
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service

repo, kb, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
env = {**os.environ, "KANBOTS_DEMO_STEP_SECONDS": "0.05"}

def log(text):
    print(f"[bench-web] {text}", file=sys.stderr, flush=True)

def run(*argv, extra=None, check=True):
    result = subprocess.run(list(argv), cwd=repo, capture_output=True, text=True, env={**env, **(extra or {})})
    if check and result.returncode != 0:
        sys.exit(f"bench-web: {' '.join(argv)} failed: {result.stderr.strip()}")
    return result.stdout

def start_server():
    out = open(os.path.join(repo, ".git", "serve.out"), "w+")
    process = subprocess.Popen([kb, "serve", "--port", "0"], cwd=repo, stdout=out, stderr=subprocess.DEVNULL, env=env)
    deadline = time.time() + 60
    while time.time() < deadline:
        out.seek(0)
        for line in out.read().splitlines():
            if "?token=" in line:
                return process, line.split()[-1]
        time.sleep(0.05)
    sys.exit("bench-web: serve printed no URL")

def stop_server(process):
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()

def browser():
    options = Options()
    for flag in ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--window-size=1400,900"]:
        options.add_argument(flag)
    binary = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
    if binary:
        options.binary_location = binary
    return webdriver.Chrome(options=options, service=Service(shutil.which("chromedriver")))

def wait(driver, script, timeout=60):
    deadline = time.time() + timeout
    while time.time() < deadline:
        value = driver.execute_script(script)
        if value:
            return value
        time.sleep(0.01)
    sys.exit(f"bench-web: timed out waiting for {script}")

def active_runs(ids):
    """Those of `ids` still recorded active (the generated records include runs
    'running' on another host, which never end here)."""
    runs = json.loads(run(kb, "status", "--json", "--all"))
    return [r for r in runs if r["id"] in ids and r["recorded_state"] in ("queued", "running", "awaiting_decision")]

def wait_idle(ids, timeout=300):
    deadline = time.time() + timeout
    while active_runs(ids):
        if time.time() > deadline:
            sys.exit(f"bench-web: runs still active: {ids}")
        time.sleep(0.2)

def row(label, *values):
    print(f"{label:<52}" + "".join(f"{v:>16}" for v in values), flush=True)

runs_count = len(json.loads(run(kb, "board", "--json"))["runs"])
server, url = start_server()
origin = url.split("/?")[0]
driver = browser()
driver.get(url)  # swaps the token for the cookie
wait(driver, "return window.kanbots && window.kanbots.firstRender")

# 1. Page load.
loads = []
for _ in range(max(n, 5)):
    driver.get(origin + "/")
    loads.append(wait(driver, "return window.kanbots && window.kanbots.firstRender"))
cli = []
for _ in range(max(n, 5)):
    started = time.perf_counter()
    run(kb, "board", "--json")
    cli.append((time.perf_counter() - started) * 1000)
print(f"web board benchmark: {runs_count} runs, {os.cpu_count()} cores, repository in {repo}")
row("", "median ms", "min ms", "max ms")
row(f"page load to rendered board ({runs_count} runs)", f"{statistics.median(loads):.1f}", f"{min(loads):.1f}", f"{max(loads):.1f}")
row("baseline: board --json by the CLI", f"{statistics.median(cli):.1f}", f"{min(cli):.1f}", f"{max(cli):.1f}")

# 2. Ref update to event in the page.
head = run("git", "rev-parse", "HEAD").strip()
latencies = []
for i in range(20):
    before = driver.execute_script("return window.kanbots.eventTimes.length")
    sent = time.time() * 1000
    run("git", "update-ref", f"refs/kanbots/bench/ping-{i}", head)
    arrived = wait(driver, f"return window.kanbots.eventTimes.length > {before} && window.kanbots.eventTimes[{before}]", 10)
    latencies.append(arrived - sent)
    time.sleep(0.3)
run("git", "for-each-ref", "--format=delete %(refname)", "refs/kanbots/bench/")
subprocess.run(["git", "update-ref", "--stdin"], cwd=repo, input=run("git", "for-each-ref", "--format=delete %(refname)", "refs/kanbots/bench/"), text=True)
row("ref update -> event in the page", f"{statistics.median(latencies):.1f}", f"{min(latencies):.1f}", f"{max(latencies):.1f}")

# 3. Dispatch latency with and without the server.
def dispatch_once():
    started = time.perf_counter()
    out = json.loads(run(kb, "dispatch", "1", "--json"))
    returned = (time.perf_counter() - started) * 1000
    transcript = os.path.join(repo, ".git", "kanbots", "runs", out["id"], "transcript.ndjson")
    while not (os.path.exists(transcript) and os.path.getsize(transcript) > 0):
        time.sleep(0.0005)
    agent = (time.perf_counter() - started) * 1000
    wait_idle({out["id"]})
    run(kb, "discard", out["id"])
    return returned, agent

with_server, without_server = [], []
dispatch_once()  # warm-up
for i in range(n):
    with_server.append(dispatch_once())
    stop_server(server)
    without_server.append(dispatch_once())
    server, url = start_server()
    origin = url.split("/?")[0]
    driver.get(url)
    wait(driver, "return window.kanbots && window.kanbots.firstRender")
def med(samples, index):
    return statistics.median(s[index] for s in samples)
row("dispatch returns, no server", f"{med(without_server, 0):.1f}")
row("dispatch returns, server running, page open", f"{med(with_server, 0):.1f}",
    f"{med(with_server, 0) / med(without_server, 0):.2f}x")
row("agent started, no server", f"{med(without_server, 1):.1f}")
row("agent started, server running, page open", f"{med(with_server, 1):.1f}",
    f"{med(with_server, 1) / med(without_server, 1):.2f}x")

# 4. 20 pages while 20 runs stream.
class SimulatedPage(threading.Thread):
    """Holds the event stream and reloads the board on each `board` event, as app.js does."""
    def __init__(self, port, token):
        super().__init__(daemon=True)
        self.port, self.token, self.events, self.loads = port, token, 0, 0
    def run(self):
        stream = http.client.HTTPConnection("127.0.0.1", self.port, timeout=600)
        stream.request("GET", "/api/events", headers={"Authorization": f"Bearer {self.token}"})
        response = stream.getresponse()
        while True:
            line = response.fp.readline()
            if not line:
                return
            if line.startswith(b"event: board"):
                self.events += 1
                board = http.client.HTTPConnection("127.0.0.1", self.port, timeout=600)
                board.request("GET", "/api/board", headers={"Authorization": f"Bearer {self.token}"})
                board.getresponse().read()
                board.close()
                self.loads += 1
port, token = int(origin.rsplit(":", 1)[1]), url.split("token=")[1]
pages = [SimulatedPage(port, token) for _ in range(19)]
for page in pages:
    page.start()
time.sleep(1)
browser_events_before = driver.execute_script("return window.kanbots.eventTimes.length")
def cpu_seconds(pid):
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
def rss_mb(pid):
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0
idle_rss = rss_mb(server.pid)
cpu_before, wall_before, peak = cpu_seconds(server.pid), time.time(), idle_rss
extra = {"KANBOTS_DEMO_STEP_SECONDS": "0.1", "KANBOTS_DEMO_TURNS": "30"}
dispatchers = [subprocess.Popen([kb, "dispatch", str(1 + i % 8), "--agent", "demo", "--json"], cwd=repo, env={**env, **extra},
                                stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True) for i in range(20)]
streaming = {json.loads(process.communicate()[0])["id"] for process in dispatchers}
while active_runs(streaming):
    peak = max(peak, rss_mb(server.pid))
    time.sleep(0.1)
peak = max(peak, rss_mb(server.pid))
wall = time.time() - wall_before
cpu = cpu_seconds(server.pid) - cpu_before
events = [page.events for page in pages] + [driver.execute_script("return window.kanbots.eventTimes.length") - browser_events_before]
row("20 pages, 20 runs streaming: server CPU", f"{100 * cpu / wall:.1f}%", f"{cpu:.1f}s of {wall:.1f}s")
row("20 pages, 20 runs streaming: server RSS peak", f"{peak:.1f} MB", f"idle {idle_rss:.1f} MB")
row("board events per page (min / max)", f"{min(events)}", f"{max(events)}")
row("board reloads per simulated page (min / max)", f"{min(p.loads for p in pages)}", f"{max(p.loads for p in pages)}")
driver.quit()
stop_server(server)
