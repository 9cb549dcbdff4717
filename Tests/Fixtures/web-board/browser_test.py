#!/usr/bin/env python3
"""Drives the web board in headless Chromium (Selenium), as a person would.

Started by WebBoardBrowserTests with a running `git kanbots serve`. Steps:
  1. open the board; dispatch card 1 from its card view and watch the card
     move Todo -> In progress -> In review while the demo agent runs, and its
     thread grow in the run view;
  2. card 2's run (dispatched with the CLI) asks a question: click an answer;
  3. card 3's slow run (dispatched with the CLI): click Stop, see `cancelled`;
  4. a second attempt of card 1, and a run of card 3 that adds answer.txt
     unlike card 2's: the queue view shows the landing order, what waits for
     exactly which runs, and card 1's attempts under it, as the CLI has them;
  5. land card 1 from the inbox (the other attempt is then superseded).
Screenshots go to --shots. Any failure exits non-zero with the reason; if
Chromium cannot start, that is a failure too, never a skip.
"""
import argparse, json, os, shutil, subprocess, sys, time

from selenium import webdriver
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

parser = argparse.ArgumentParser()
parser.add_argument("--url", required=True)
parser.add_argument("--repo", required=True)
parser.add_argument("--kanbots", required=True)
parser.add_argument("--shots", required=True)
args = parser.parse_args()
os.makedirs(args.shots, exist_ok=True)
TIMEOUT = 90  # generous: the machine is shared

def log(message):
    print(f"browser: {message}", flush=True)

def fail(message):
    print(f"browser: FAILED: {message}", file=sys.stderr, flush=True)
    try:
        driver.save_screenshot(os.path.join(args.shots, "failure.png"))
        print(driver.find_element(By.ID, "error").text, file=sys.stderr)
    except Exception:
        pass
    sys.exit(1)

def kanbots(*arguments, env=None):
    result = subprocess.run([args.kanbots, *arguments], cwd=args.repo, capture_output=True, text=True,
                            env={**os.environ, **(env or {})}, timeout=120)
    if result.returncode != 0:
        fail(f"git-kanbots {' '.join(arguments)}: {result.stderr.strip()}")
    return result.stdout

def wait_for(what, condition, timeout=TIMEOUT):
    # The board is re-rendered on every event: an element found a moment ago may be gone.
    try:
        return WebDriverWait(driver, timeout, poll_frequency=0.05,
                             ignored_exceptions=(StaleElementReferenceException, NoSuchElementException)
                             ).until(lambda d: condition())
    except Exception as error:
        fail(f"timed out waiting for {what}: {error!r}")

def column_of(card):
    return driver.execute_script(
        "const c = document.querySelector(`section.column li.card[data-card='${arguments[0]}']`);"
        "return c ? c.closest('section').dataset.column : null;", str(card))

def click(selector):
    """Clicks what `selector` names, finding it afresh if a re-render replaced it."""
    wait_for(f"a clickable {selector}", lambda: driver.find_element(By.CSS_SELECTOR, selector).click() or True)

def shot(name):
    path = os.path.join(args.shots, name + ".png")
    driver.save_screenshot(path)
    log(f"screenshot {path}")

options = Options()
for flag in ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--window-size=1400,900",
             "--no-first-run", "--no-default-browser-check", "--disable-extensions"]:
    options.add_argument(flag)
options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
binary = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
if binary:
    options.binary_location = binary
try:
    driver = webdriver.Chrome(options=options, service=Service(shutil.which("chromedriver")))
except Exception as error:
    print(f"browser: FAILED: Chromium could not start: {error}", file=sys.stderr)
    sys.exit(2)

try:
    driver.get(args.url)
    wait_for("the board", lambda: column_of(1) is not None)
    if "token=" in driver.current_url:
        fail(f"the token stayed in the address bar: {driver.current_url}")
    if column_of(1) != "todo":
        fail(f"card 1 starts in {column_of(1)}, not todo")
    wait_for("live updates", lambda: "on" in driver.find_element(By.ID, "live").get_attribute("class"))
    shot("1-board")

    # 1. Dispatch card 1 from the page, see it move and its thread grow.
    click('li.card[data-card="1"] .card-title')
    wait_for("the card view", lambda: driver.find_element(By.ID, "card-view").is_displayed())
    form = driver.find_element(By.ID, "dispatch")
    form.find_element(By.NAME, "agent").send_keys("demo")
    form.find_element(By.NAME, "cap").send_keys("3")
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    seen = ["todo"]
    wait_for("the run view", lambda: driver.find_element(By.ID, "run-view").is_displayed())
    def track():
        column = column_of(1)
        if column and column != seen[-1]:
            seen.append(column)
            log(f"card 1 is in {column}")
        return column
    wait_for("card 1 in progress", lambda: track() == "in_progress")
    counts = []
    def thread_grew():
        track()
        lines = int(driver.find_element(By.ID, "thread").get_attribute("data-lines") or 0)
        if not counts or lines != counts[-1]:
            counts.append(lines)
        return len([c for c in counts if c > 0]) >= 2
    wait_for("the thread to grow", thread_grew)
    log(f"thread line counts seen: {counts}")
    shot("2-run-thread")
    wait_for("card 1 in review", lambda: track() == "in_review")
    if seen != ["todo", "in_progress", "in_review"]:
        fail(f"card 1 went {' -> '.join(seen)}")
    # The cost bar shows the cost against the cap ($0.0x of $3): a sliver, not a full bar.
    fill = driver.execute_script(
        "const bar = document.querySelector(`li.card[data-card='1'] .cost`);"
        "return bar ? bar.firstElementChild.getBoundingClientRect().width / bar.getBoundingClientRect().width : null;")
    if fill is None or not 0 < fill < 0.5:
        fail(f"card 1's cost bar is filled {fill}, expected a small fraction")
    click('[data-tab="diff"]')
    wait_for("the coloured diff", lambda: driver.find_elements(By.CSS_SELECTOR, "#diff .add"))
    shot("3-run-diff")
    click('[data-tab="thread"]')
    click("#run-view [data-close]")

    # 2. Card 2's agent asks; answer with a click.
    out = json.loads(kanbots("dispatch", "2", "--agent", "claude", "--json"))
    asking = out["id"]
    selector = f'button.run[data-run="{asking}"]'
    wait_for("the decision on the board", lambda: driver.find_elements(By.CSS_SELECTOR, selector + " .badge.ask"))
    shot("4-board-decision")
    click(selector)
    wait_for("the answer buttons", lambda: driver.find_elements(By.CSS_SELECTOR, "#run-question .answer-option"))
    shot("5-run-decision")
    click('#run-question .answer-option[data-option="2"]')
    wait_for("the agent to continue", lambda: driver.find_element(By.ID, "run-summary").get_attribute("data-state")
             not in ("awaiting_decision", None))
    log(f"after the answer the run is {driver.find_element(By.ID, 'run-summary').get_attribute('data-state')}")
    click("#run-view [data-close]")

    # 3. Stop a slow run with a click.
    out = json.loads(kanbots("dispatch", "3", "--agent", "demo", "--json",
                             env={"KANBOTS_DEMO_STEP_SECONDS": "0.5", "KANBOTS_DEMO_TURNS": "200"}))
    slow = out["id"]
    selector = f'button.run[data-run="{slow}"][data-state="running"]'
    wait_for("the slow run running", lambda: driver.find_elements(By.CSS_SELECTOR, selector))
    click(selector)
    # A live run's ports link to its first port (docs/environment.md).
    # Read in one script: the summary re-renders with every board event.
    def ports_link():
        return driver.execute_script(
            "const a = document.querySelector('#run-summary [data-fact=\"ports\"] a');"
            "return a ? [a.textContent, a.getAttribute('href')] : null;")
    found = []
    wait_for("the run's ports", lambda: found.append(ports_link()) or found[-1] is not None)
    text, href = found[-1]
    if href != f"http://127.0.0.1:{text.split('-')[0]}/":
        raise AssertionError(f"the ports link is {href} for {text}")
    wait_for("the stop button", lambda: driver.find_elements(By.ID, "run-stop"))
    click("#run-stop")
    wait_for("the run cancelled", lambda: driver.find_element(By.ID, "run-summary").get_attribute("data-state") == "cancelled")
    click("#run-view [data-close]")
    wait_for("the board to show it", lambda: driver.find_elements(By.CSS_SELECTOR, f'button.run[data-run="{slow}"][data-state="cancelled"]'))

    # 4. The queue. Card 1 gets a second attempt; card 3 a run that answers
    #    "Hello" where card 2's answered "Hi": both add answer.txt, so they conflict.
    def run_of(id):
        return json.loads(kanbots("show", "--json", id))["run"]
    first = next(run["id"] for run in json.loads(kanbots("board", "--json"))["runs"] if run["card"] == 1)
    second = json.loads(kanbots("dispatch", "1", "--agent", "demo", "--json"))["id"]
    rival = json.loads(kanbots("dispatch", "3", "--agent", "claude", "--json"))["id"]
    wait_for("card 3's question", lambda: run_of(rival)["state"] == "awaiting_decision")
    kanbots("answer", rival, "1")
    wait_for("both new runs to finish", lambda: all(run_of(id)["state"] == "completed" for id in (second, rival)))
    # The same plan and attempts as the CLI's.
    plan = json.loads(kanbots("land", "--plan", "--json"))
    order = [step["run"] for step in plan["order"]]
    if order != [first, asking]:
        fail(f"land --plan orders {order}, expected {[first, asking]}")
    waits = {held["run"]: held for held in plan["held"]}
    if waits[second]["blocked_by"] != [first] or waits[rival]["blocked_by"] != [asking]:
        fail(f"land --plan holds {plan['held']}")
    click("#queue-open")
    def shown_order():
        return [item.get_attribute("data-run") for item in driver.find_elements(By.CSS_SELECTOR, "#plan-order > li[data-run]")]
    wait_for("the landing order", lambda: shown_order() == order)
    def held_row(run):
        return driver.find_element(By.CSS_SELECTOR, f'#plan-held > li[data-run="{run}"]')
    for run in (second, rival):
        row = held_row(run)
        if row.get_attribute("data-action") != waits[run]["action"] or row.get_attribute("data-blocked-by").split() != waits[run]["blocked_by"]:
            fail(f"the page holds {run} as {row.get_attribute('data-action')} for {row.get_attribute('data-blocked-by')}, "
                 f"the CLI as {waits[run]['action']} for {waits[run]['blocked_by']}")
        named = [link.get_attribute("data-run") for link in row.find_elements(By.CSS_SELECTOR, "a[data-run]")][1:]
        if named != waits[run]["blocked_by"]:
            fail(f"{run} waits for {named} on the page, for {waits[run]['blocked_by']} by the CLI")
    group = driver.find_element(By.CSS_SELECTOR, '#attempts > li[data-card="1"]')
    summary = group.find_element(By.CSS_SELECTOR, ".summary").text
    if summary != "2 attempts: 2 ready":
        fail(f"card 1's attempts read {summary!r}")
    lines = {item.get_attribute("data-run"): item.text for item in group.find_elements(By.CSS_SELECTOR, "ol > li")}
    if sorted(lines) != sorted([first, second]) or not all(f"run {id}" in lines[id] and "checks" in lines[id]
                                                            and "tested" in lines[id] and " file" in lines[id] and "$" in lines[id]
                                                            for id in lines):
        fail(f"card 1's attempt lines: {lines}")
    log(f"queue: order {order}, attempts {lines}")
    shot("6-queue")
    click("#queue-view [data-close]")

    # 5. The inbox names card 1 (by its latest attempt) as ready to land; land it with a click.
    def card_one_ready():
        for item in driver.find_elements(By.CSS_SELECTOR, "#inbox-items li[data-kind=needs_human]"):
            if item.get_attribute("data-run") in (first, second) and "ready to land" in item.text:
                return item.get_attribute("data-run")
        return None
    wait_for("the inbox count", lambda: int(driver.find_element(By.ID, "inbox-count").text or 0) >= 1)
    click("#inbox-open")
    ready = []
    wait_for("card 1 in the inbox", lambda: ready.append(card_one_ready()) or ready[-1])
    shot("7-inbox")
    click(f'#inbox-items li[data-kind=needs_human][data-run="{ready[-1]}"] a')
    wait_for("the land button", lambda: driver.find_elements(By.ID, "run-land"))
    click("#run-land")
    wait_for("the confirmation", lambda: driver.switch_to.alert.accept() or True)
    wait_for("card 1 done", lambda: track() == "done")
    click("#run-view [data-close]")
    shot("8-board-final")
    problems = [entry["message"] for entry in driver.get_log("browser") if entry["level"] == "SEVERE"]
    if problems:
        fail("the page logged errors (a script error or a Content-Security-Policy violation): " + " | ".join(problems))
    errors = driver.find_element(By.ID, "error")
    if errors.is_displayed():
        fail(f"the page shows an error: {errors.text}")
    print(json.dumps({"decision_run": asking, "stopped_run": slow, "columns_seen": seen, "thread_counts": counts}))
finally:
    driver.quit()
