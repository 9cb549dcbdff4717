// git kanbots web board. Plain JS: the board and the open run are reloaded
// when the server says something changed (Server-Sent Events); never polled.
"use strict";

const COLUMNS = [["backlog", "Backlog"], ["todo", "Todo"], ["in_progress", "In progress"], ["in_review", "In review"], ["done", "Done"]];
const $ = (selector, root = document) => root.querySelector(selector);
const state = { board: null, openRun: null, openCard: null, tab: "thread", events: [] };
// Exposed for the browser test and the benchmark: when events and renders happened.
window.kanbots = { state, renders: 0, eventTimes: [] };

function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attributes)) {
    if (value === null || value === undefined || value === false) continue;
    if (key === "class") node.className = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? "" : value);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

/// Replaces a node's children, skipping the absent ones.
function setChildren(node, ...children) {
  node.replaceChildren(...children.flat().filter((child) => child !== null && child !== undefined && child !== false));
}

// MARK: API

async function api(path, body) {
  const options = body === undefined ? {} : {
    method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body),
  };
  const response = await fetch(path, options);
  const text = await response.text();
  let value = null;
  try { value = text ? JSON.parse(text) : null; } catch { value = { error: text }; }
  if (!response.ok) throw new Error((value && value.error) || `${response.status} ${response.statusText}`);
  return value;
}

function showError(error) {
  const box = $("#error");
  box.textContent = error ? String(error.message || error) : "";
  box.hidden = !error;
}

/// Runs an action; its error (the CLI's one line) is shown and nothing else happens.
async function act(button, work) {
  if (button) button.disabled = true;
  try {
    showError(null);
    await work();
  } catch (error) {
    showError(error);
  } finally {
    if (button) button.disabled = false;
  }
}

// MARK: Formatting

const money = (usd) => "$" + (usd || 0).toFixed(2);
function duration(seconds) {
  const total = Math.max(0, Math.floor(seconds));
  if (total < 60) return `${total}s`;
  if (total < 3600) return `${Math.floor(total / 60)}m${String(total % 60).padStart(2, "0")}s`;
  return `${Math.floor(total / 3600)}h${String(Math.floor(total / 60) % 60).padStart(2, "0")}m`;
}
function elapsed(run) {
  const start = Date.parse(run.started_at || run.created_at);
  const end = run.ended_at ? Date.parse(run.ended_at) : Date.now();
  return duration((end - start) / 1000);
}

// MARK: Board

let boardLoading = null, boardAgain = false;
async function loadBoard() {
  if (boardLoading) { boardAgain = true; return boardLoading; }
  boardLoading = (async () => {
    do {
      boardAgain = false;
      try {
        state.board = await api("/api/board");
        renderBoard();
        loadInbox();
        if (state.openRun) renderRunSummary();
      } catch (error) { showError(error); }
    } while (boardAgain);
  })();
  await boardLoading;
  boardLoading = null;
}

function runsByCard(board) {
  const map = new Map();
  for (const run of board.runs) {
    if (!map.has(run.card)) map.set(run.card, []);
    map.get(run.card).push(run);
  }
  for (const list of map.values()) list.sort((a, b) => Date.parse(b.created_at) - Date.parse(a.created_at));
  return map;
}

function renderBoard() {
  const board = state.board;
  const runs = runsByCard(board);
  const cards = new Map(board.cards.map((card) => [card.number, card]));
  const main = $("#board");
  const focused = document.activeElement && document.activeElement.dataset.focusKey;
  main.replaceChildren(...COLUMNS.map(([key, title]) => {
    const numbers = board.columns[key] || [];
    return el("section", { class: "column", "data-column": key, "aria-label": title },
      el("h2", {}, `${title} (${numbers.length})`),
      el("ol", {}, numbers.map((number) => renderCard(cards.get(number), runs.get(number) || []))));
  }));
  renderAutopilot(board.sessions || []);
  if (focused) { const again = document.querySelector(`[data-focus-key="${CSS.escape(focused)}"]`); if (again) again.focus(); }
  document.body.dataset.renders = String(++window.kanbots.renders);
  if (window.kanbots.firstRender === undefined) window.kanbots.firstRender = performance.now();
}

function renderCard(card, runs) {
  const asks = runs.some((run) => run.question);
  return el("li", { class: "card" + (asks ? " asks" : ""), "data-card": card.number, "data-column": card.column },
    el("div", { class: "card-head" },
      el("span", { class: "number" }, `#${card.number}`),
      el("button", { class: "card-title", type: "button", "data-focus-key": `card-${card.number}`,
        onclick: () => openCard(card.number) }, card.title || "(no card record)")),
    card.note ? el("p", { class: "note" }, card.note) : null,
    card.waits_for.length ? el("p", { class: "note" }, "waits for " + card.waits_for.map((n) => `#${n}`).join(", ")) : null,
    runs.length ? el("ul", { class: "runs" }, runs.slice(0, 3).map((run) => el("li", {}, renderRun(run)))) : null);
}

// The board's short label (`conflicts #7`, `behind 3`), as the terminal board shows it.
function verdictOf(run) {
  const readiness = run.readiness ?? null;
  if (readiness === null || readiness === undefined) return null;
  return readiness.label || readiness.verdict || null;
}

// The verdict's kind (`ready`, `conflicts`, …), for styling.
function verdictKind(run) {
  return run.readiness && run.readiness.verdict ? run.readiness.verdict : "unknown";
}

function renderRun(run) {
  const cap = run.cap_usd;
  const ratio = cap ? run.cost_usd / cap : 0;
  const pause = run.rate_limit && Date.parse(run.rate_limit.retry_at) > Date.now() ? run.rate_limit : null;
  const verdict = verdictOf(run);
  return el("button", { class: "run", type: "button", "data-run": run.id, "data-state": run.state,
    "data-focus-key": `run-${run.id}`, onclick: () => openRun(run.id),
    "aria-label": `run ${run.id}, ${run.state}` },
    el("div", {},
      el("span", { class: `state state-${run.state}` }, run.state.replace("_", " ")),
      run.reason ? ` (${run.reason})` : "", " · ", el("code", {}, run.id),
      run.question ? [" ", el("span", { class: "badge ask" }, "decision waiting")] : null,
      pause ? [" ", el("span", { class: "badge paused", title: `attempt ${pause.attempt}` },
        `rate limited${pause.error_status ? " " + pause.error_status : ""}, retry ${new Date(pause.retry_at).toLocaleTimeString()}`)] : null,
      run.origin && !run.origin.this_clone ? [" ", el("span", { class: "badge remote", title: `from ${run.origin.host}` }, `from ${run.origin.clone}`)] : null,
      verdict ? [" ", el("span", { class: `badge verdict-${verdictKind(run)}` }, verdict)] : null,
      run.checks ? [" ", el("span", { class: `badge checks-${run.checks.outcome}`, title: run.checks.failed_command || "" },
        `checks ${run.checks.outcome}`)] : null,
      (run.scope_violations || []).length ? [" ", el("span", { class: "badge paused", title: run.scope_violations.join("\n") },
        `${run.scope_violations.length} out of scope`)] : null),
    el("div", { class: "facts" },
      el("span", { "data-elapsed": run.id }, elapsed(run)),
      el("span", {}, run.agent + (run.model ? ` · ${run.model}` : "")),
      run.ahead !== null ? el("span", { title: "commits ahead/behind the base" }, `+${run.ahead}/-${run.behind}`) : null,
      el("span", {}, money(run.cost_usd) + (cap ? ` of ${money(cap)}` : ""))),
    cap ? el("div", { class: "cost" + (ratio >= 1 ? " over" : ratio >= 0.8 ? " high" : ""), role: "meter",
      "aria-valuemin": 0, "aria-valuemax": cap, "aria-valuenow": run.cost_usd, "aria-label": "cost against cap" },
      costFill(ratio)) : null);
}

/// The filled part of a cost bar. Set through the CSSOM: the page's
/// Content-Security-Policy refuses inline style attributes.
function costFill(ratio) {
  const fill = el("span");
  fill.style.width = `${Math.min(100, ratio * 100).toFixed(1)}%`;
  return fill;
}

function renderAutopilot(sessions) {
  const active = sessions.find((session) => ["running", "draining", "lost"].includes(session.state));
  const box = $("#autopilot");
  if (active) {
    box.replaceChildren(
      el("span", {}, `autopilot ${active.id}: ${active.state} · ${money(active.spent_usd)} of ${money(active.budget_usd)}`
        + (active.executor ? ` · on ${active.executor}` : "")),
      el("button", { type: "button", id: "autopilot-stop", onclick: (event) => act(event.target, async () => {
        await api("/api/autopilot/stop", { session: active.id }); await loadBoard(); }) }, "Stop autopilot"));
  } else {
    const form = el("form", { class: "inline", id: "autopilot-start", "aria-label": "Start autopilot" },
      el("input", { name: "budget", type: "number", step: "0.01", min: "0.01", placeholder: "budget $", required: true, "aria-label": "Autopilot budget in USD" }),
      el("input", { name: "parallel", type: "number", min: "1", placeholder: "parallel", "aria-label": "Runs at once" }),
      el("input", { name: "run_cap", type: "number", step: "0.01", min: "0.01", placeholder: "run cap $", "aria-label": "Cap per run in USD" }),
      el("button", { type: "submit" }, "Start autopilot"));
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const data = new FormData(form);
      act(event.submitter, async () => {
        await api("/api/autopilot/start", { budget: Number(data.get("budget")),
          parallel: data.get("parallel") ? Number(data.get("parallel")) : null,
          run_cap: data.get("run_cap") ? Number(data.get("run_cap")) : null });
        await loadBoard();
      });
    });
    if (!box.querySelector("#autopilot-start")) box.replaceChildren(form);
  }
}

// MARK: Card view

function openCard(number) {
  const card = state.board.cards.find((c) => c.number === number);
  state.openCard = number;
  $("#card-title").textContent = `#${number} ${card.title || ""}`;
  const form = $("#edit-card");
  form.title.value = card.title || "";
  form.body.value = "";
  form.lane.value = card.column === "backlog" ? "backlog" : "todo";
  api(`/api/cards/${number}`).then((full) => { form.body.value = full.body; }).catch(showError);
  const runs = state.board.runs.filter((run) => run.card === number);
  $("#card-runs").replaceChildren(...runs.map((run) => el("li", {},
    el("button", { type: "button", class: "secondary", onclick: () => { $("#card-view").close(); openRun(run.id); } },
      `${run.id} · ${run.state} · ${money(run.cost_usd)}`))));
  $("#card-view").showModal();
}

// MARK: Run view

async function openRun(id) {
  state.openRun = id;
  $("#run-title").textContent = `Run ${id}`;
  $("#thread").textContent = "";
  $("#diff").replaceChildren();
  const dialog = $("#run-view");
  if (!dialog.open) dialog.showModal();
  renderRunSummary();
  await Promise.all([loadRunDetail(), loadThread(), loadDiff()]);
}

function currentRun() {
  return state.board && state.board.runs.find((run) => run.id === state.openRun);
}

function renderRunSummary() {
  const run = currentRun();
  if (!run) return;
  const facts = [["state", run.state + (run.reason ? ` (${run.reason})` : "")], ["card", `#${run.card}`],
    ["agent", run.agent + (run.model ? ` · ${run.model}` : "")], ["cost", money(run.cost_usd) + (run.cap_usd ? ` of ${money(run.cap_usd)}` : "")],
    ["elapsed", elapsed(run)], ["branch", run.branch], ["base", `${run.base} @ ${run.base_commit.slice(0, 10)}`]];
  if (run.ahead !== null) facts.push(["commits", `+${run.ahead}/-${run.behind}`]);
  if (!run.origin.this_clone) facts.push(["from", `${run.origin.clone} (${run.origin.host})`]);
  const verdict = verdictOf(run);
  if (verdict) facts.push(["readiness", verdict]);
  if (run.checks) facts.push(["checks", run.checks.outcome + (run.checks.failed_command ? `: ${run.checks.failed_command}` : "")]);
  if (run.agent_tested) facts.push(["agent tested", run.agent_tested]);
  const env = run.environment;
  if (env && env.ports) {
    // A live run's services listen on its first port (docs/environment.md).
    const live = ["queued", "running", "awaiting_decision"].includes(run.state);
    facts.push(["ports", live ? el("a", { href: `http://127.0.0.1:${env.port}/`, target: "_blank", rel: "noopener" }, env.ports) : env.ports]);
  }
  if (env && env.setup) facts.push(["setup", env.setup.outcome + (env.setup_source === "pool" ? " (pool)" : "") + (env.setup.failed_command ? `: ${env.setup.failed_command}` : "")]);
  else if (env && env.setup_source === "pool") facts.push(["setup", "prepared in the pool"]);
  if (env && env.included.length) facts.push(["included", env.included.join(", ")]);
  if (env && env.services_exited.length) facts.push(["services exited", env.services_exited.join(", ")]);
  if ((run.scope_violations || []).length) facts.push(["out of scope", run.scope_violations.join(", ")]);
  $("#run-summary").replaceChildren(...facts.map(([key, value]) => el("span", { "data-fact": key }, `${key} `, el("b", {}, value))));
  $("#run-summary").dataset.state = run.state;
  renderQuestion(run);
  renderRunActions(run);
}

function renderQuestion(run) {
  const box = $("#run-question");
  const question = run.question;
  if (!question) { box.replaceChildren(); return; }
  const answer = (text, button) => act(button, async () => {
    await api(`/api/runs/${run.id}/answer`, { answer: text });
    await loadBoard();
  });
  const free = el("form", { class: "inline", "aria-label": "Answer in your own words" },
    el("input", { name: "text", placeholder: "or answer in words", "aria-label": "Free-text answer" }),
    el("button", { type: "submit" }, "Answer"));
  free.addEventListener("submit", (event) => { event.preventDefault(); answer(free.text.value, event.submitter); });
  box.replaceChildren(el("div", { class: "question", role: "group", "aria-label": "Decision waiting" },
    el("p", {}, el("b", {}, question.kind === "permission" ? "Permission: " : "Question: "), question.text),
    question.why ? el("p", { class: "note" }, `why: ${question.why}`) : null,
    el("div", { class: "options" }, question.options.map((option, index) =>
      el("button", { type: "button", class: "answer-option" + (option === question.default ? " primary" : ""),
        "data-option": index + 1, onclick: (event) => answer(String(index + 1), event.target) },
        `${index + 1}) ${option}${option === question.default ? " (default)" : ""}`))),
    question.irreversible ? el("p", { class: "note" }, "irreversible: waits for a human") : null,
    free));
}

function renderRunActions(run) {
  const active = ["queued", "running", "awaiting_decision"].includes(run.state);
  const post = (path, body, button, confirmText) => {
    if (confirmText && !window.confirm(confirmText)) return;
    act(button, async () => { await api(`/api/runs/${run.id}/${path}`, body); await loadBoard(); await loadRunDetail(); });
  };
  const reply = el("form", { class: "inline", "aria-label": "Reply" },
    el("input", { name: "message", placeholder: "follow-up message", "aria-label": "Reply message", size: 40 }),
    el("button", { type: "submit" }, "Reply"));
  reply.addEventListener("submit", (event) => {
    event.preventDefault();
    act(event.submitter, async () => {
      const started = await api(`/api/runs/${run.id}/reply`, { message: reply.message.value });
      await loadBoard();
      openRun(started.id);
    });
  });
  setChildren($("#run-actions"), 
    active ? el("button", { type: "button", id: "run-stop", class: "danger", onclick: (e) => post("stop", {}, e.target) }, "Stop") : null,
    !active ? reply : null,
    landButton(run),
    !active && run.branch_exists ? el("button", { type: "button", id: "run-promote", onclick: (e) => post("promote", {}, e.target) }, "Open pull request") : null,
    !active && run.branch_exists ? el("button", { type: "button", id: "run-merge",
      onclick: (e) => post("promote", { merge: true }, e.target, `Merge ${run.branch} into ${run.base}?`) }, "Merge locally") : null,
    !active && run.state !== "discarded" ? el("button", { type: "button", id: "run-discard", class: "danger",
      onclick: (e) => post("discard", {}, e.target, `Discard run ${run.id}? Its worktree and branch are removed; its history stays.`) }, "Discard") : null);
}

async function loadRunDetail() {
  const id = state.openRun;
  try {
    const detail = await api(`/api/runs/${id}`);
    if (id !== state.openRun) return;
    $("#record").textContent = JSON.stringify(detail.run, null, 2);
    $("#lifecycle").replaceChildren(...detail.transitions.map((t) => el("li", {},
      el("code", {}, new Date(t.at).toLocaleString()), " ", el("b", {}, t.state), t.reason ? ` (${t.reason})` : "",
      t.question ? ` · asked: ${t.question}` : "", t.answer ? ` · answer: ${t.answer}` : "")));
  } catch (error) { showError(error); }
}

let threadLoading = false, threadAgain = false;
async function loadThread() {
  if (threadLoading) { threadAgain = true; return; }
  threadLoading = true;
  try {
    do {
      threadAgain = false;
      const id = state.openRun;
      const thread = await api(`/api/runs/${id}/thread`);
      if (id !== state.openRun) break;
      const box = $("#thread");
      const atEnd = box.scrollTop + box.clientHeight >= box.scrollHeight - 20;
      box.replaceChildren(...thread.lines.map((line) => el("div", { class: "line" }, line)));
      if (!thread.lines.length) box.textContent = "no transcript yet";
      box.dataset.lines = String(thread.lines.length);
      if (atEnd) box.scrollTop = box.scrollHeight;
    } while (threadAgain);
  } catch (error) { showError(error); } finally { threadLoading = false; }
}

async function loadDiff() {
  const id = state.openRun;
  try {
    const changes = await api(`/api/runs/${id}/diff`);
    if (id !== state.openRun) return;
    $("#diff").replaceChildren(...renderDiff(changes.diff));
    $("#commits").replaceChildren(...changes.commits.map((commit) => el("li", {},
      el("code", {}, commit.id.slice(0, 10)), " ", commit.subject, " ", el("span", { class: "note" }, `${commit.author}, ${new Date(commit.at).toLocaleString()}`))));
    if (!changes.commits.length) $("#commits").replaceChildren(el("li", {}, "no commits since the base"));
  } catch (error) { showError(error); }
}

function renderDiff(text) {
  if (!text) return [el("div", {}, "no changes against the base")];
  return text.split("\n").map((line) => {
    let kind = "";
    if (line.startsWith("diff --git")) kind = "file";
    else if (line.startsWith("@@")) kind = "hunk";
    else if (line.startsWith("+++") || line.startsWith("---")) kind = "meta";
    else if (line.startsWith("+")) kind = "add";
    else if (line.startsWith("-")) kind = "del";
    return el("div", { class: kind }, line || " ");
  });
}

function selectTab(name) {
  state.tab = name;
  for (const button of document.querySelectorAll(".tabs [role=tab]")) button.setAttribute("aria-selected", String(button.dataset.tab === name));
  for (const section of document.querySelectorAll("#run-view .tab")) section.hidden = section.id !== `tab-${name}`;
}

// MARK: Live updates

function connect() {
  const live = $("#live");
  const source = new EventSource("/api/events");
  source.addEventListener("hello", () => { live.textContent = "live"; live.className = "live on"; if (state.board) loadBoard(); });
  source.addEventListener("board", () => {
    window.kanbots.eventTimes.push(Date.now());
    loadBoard();
    if (state.openRun) { loadRunDetail(); loadDiff(); }
  });
  source.addEventListener("thread", (event) => {
    const { run } = JSON.parse(event.data);
    if (run === state.openRun) loadThread();
  });
  source.onerror = () => { live.textContent = "reconnecting…"; live.className = "live off"; };
}

// MARK: Wiring

document.addEventListener("DOMContentLoaded", () => {
  $("#new-card").addEventListener("submit", (event) => {
    event.preventDefault();
    const form = event.target;
    act(event.submitter, async () => {
      await api("/api/cards", { title: form.title.value, backlog: form.backlog.checked });
      form.reset();
      await loadBoard();
    });
  });
  $("#stop-all").addEventListener("click", (event) => {
    const active = (state.board ? state.board.runs : []).filter((run) => ["queued", "running", "awaiting_decision"].includes(run.state));
    if (!window.confirm(`Stop all ${active.length} active run(s) on this machine?`)) return;
    act(event.target, async () => { await api("/api/stop-all", {}); await loadBoard(); });
  });
  $("#dispatch").addEventListener("submit", (event) => {
    event.preventDefault();
    const form = event.target;
    act(event.submitter, async () => {
      const run = await api(`/api/cards/${state.openCard}/dispatch`, { agent: form.agent.value, model: form.model.value,
        cap: form.cap.value ? Number(form.cap.value) : null });
      $("#card-view").close();
      await loadBoard();
      openRun(run.id);
    });
  });
  $("#edit-card").addEventListener("submit", (event) => {
    event.preventDefault();
    const form = event.target;
    act(event.submitter, async () => {
      await api(`/api/cards/${state.openCard}`, { title: form.title.value, body: form.body.value, lane: form.lane.value });
      $("#card-view").close();
      await loadBoard();
    });
  });
  $("#close-card").addEventListener("click", (event) => act(event.target, async () => {
    await api(`/api/cards/${state.openCard}`, { close: true });
    $("#card-view").close();
    await loadBoard();
  }));
  for (const button of document.querySelectorAll("[data-close]")) button.addEventListener("click", () => button.closest("dialog").close());
  $("#run-view").addEventListener("close", () => { state.openRun = null; });
  for (const button of document.querySelectorAll(".tabs [role=tab]")) button.addEventListener("click", () => selectTab(button.dataset.tab));
  // Elapsed times tick with the clock; no request is made for that.
  setInterval(() => {
    if (!state.board) return;
    for (const node of document.querySelectorAll("[data-elapsed]")) {
      const run = state.board.runs.find((r) => r.id === node.dataset.elapsed);
      if (run && !run.ended_at) node.textContent = elapsed(run);
    }
  }, 1000);
  loadBoard();
  connect();
});
