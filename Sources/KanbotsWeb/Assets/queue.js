// The review queue on the page: the inbox (what waits for a human, as
// `git kanbots inbox`), the landing plan and each card's attempts (as
// `land --plan --json` and `review --json`), landing one run or every ready
// one, and browser notifications of new inbox items. Uses app.js's helpers
// ($, el, api, act).
"use strict";

const queue = { items: [], seen: null, notify: false };

async function loadInbox() {
  try {
    queue.items = await api("/api/inbox");
  } catch (error) { showError(error); return; }
  const badge = $("#inbox-count");
  badge.textContent = String(queue.items.length);
  badge.dataset.count = String(queue.items.length);
  $("#inbox-open").classList.toggle("attention", queue.items.length > 0);
  announceNewItems();
  if ($("#inbox-view").open) renderInbox();
  if ($("#queue-view").open) loadQueue();
}

// A notification for each item not seen before, once the user asked for them
// (the permission is requested on a click, never on load).
function announceNewItems() {
  const keys = queue.items.map((item) => `${item.kind}:${item.run || item.session}:${item.why}`);
  if (queue.seen && queue.notify && window.Notification && Notification.permission === "granted") {
    queue.items.forEach((item, index) => {
      if (!queue.seen.has(keys[index])) new Notification(`git kanbots: ${item.kind.replace("_", " ")}`, { body: `${item.subject}: ${item.why}` });
    });
  }
  queue.seen = new Set(keys);
}

function renderInbox() {
  const list = $("#inbox-items");
  if (!queue.items.length) {
    setChildren(list, el("li", { class: "note" }, "Nothing needs you."));
    return;
  }
  setChildren(list, ...queue.items.map((item) => el("li", { "data-kind": item.kind, "data-run": item.run || "" },
    el("b", {}, item.kind.replace("_", " ")), " ",
    item.run ? el("a", { href: "#", onclick: (event) => { event.preventDefault(); $("#inbox-view").close(); openRun(item.run); } },
      `#${item.card} ${item.subject}`) : item.subject,
    el("p", { class: "note" }, item.why),
    el("code", {}, item.next))));
}

// The queue view: read only while it is open, refreshed with the board.
async function loadQueue() {
  let plan, review;
  try {
    [plan, review] = await Promise.all([api("/api/land/plan"), api("/api/review")]);
  } catch (error) { showError(error); return; }
  const titles = new Map(review.queue.map((entry) => [entry.run.card, entry.title]));
  const runLink = (run) => el("a", { href: "#", "data-run": run,
    onclick: (event) => { event.preventDefault(); $("#queue-view").close(); openRun(run); } }, `run ${run}`);
  const cardName = (card) => `#${card}` + (titles.get(card) ? ` ${titles.get(card)}` : "");
  const order = $("#plan-order");
  setChildren(order, plan.order.length ? plan.order.map((step) => el("li", { "data-run": step.run, "data-card": step.card },
    runLink(step.run), ` · ${cardName(step.card)} · ${step.verdict} · into ${step.base}`))
    : el("li", { class: "note" }, "Nothing can land now."));
  // Each waiting run names exactly the runs it waits for.
  setChildren($("#plan-held"), plan.held.length ? plan.held.map((held) => el("li", {
    "data-run": held.run, "data-action": held.action, "data-blocked-by": held.blocked_by.join(" ") },
    runLink(held.run), ` · ${cardName(held.card)} · ${held.action}`,
    held.blocked_by.length ? [" · waits for ", ...held.blocked_by.flatMap((run, index) => [index ? ", " : "", runLink(run)])] : null,
    el("p", { class: "note" }, held.reason)))
    : el("li", { class: "note" }, "Nothing waits."));
  // Attempts under their card, one line each as `git kanbots review` prints them.
  setChildren($("#attempts"), review.attempts.length ? review.attempts.map((group) => el("li", { "data-card": group.card },
    el("b", {}, cardName(group.card)), " ", el("span", { class: "summary" }, group.summary),
    el("ol", {}, group.lines.map((line, index) => el("li", { "data-run": group.runs[index] }, line)))))
    : el("li", { class: "note" }, "No card has several attempts."));
}

// "Land" in a run's view: the server runs the checks on the merged result
// when the repository configures any.
function landButton(run) {
  if (["queued", "running", "awaiting_decision"].includes(run.state) || !run.branch_exists || run.column !== "in_review") return null;
  return el("button", { type: "button", id: "run-land", title: "Merge it into its base, its checks on the merged result",
    onclick: (event) => {
      if (!window.confirm(`Land run ${run.id} into ${run.base}?`)) return;
      act(event.target, async () => {
        await api(`/api/runs/${run.id}/land`, {});
        await loadBoard();
        await loadRunDetail();
      });
    } }, "Land");
}

document.addEventListener("DOMContentLoaded", () => {
  $("#inbox-open").addEventListener("click", () => { renderInbox(); $("#inbox-view").showModal(); });
  $("#queue-open").addEventListener("click", () => { $("#queue-view").showModal(); loadQueue(); });
  $("#land-ready").addEventListener("click", (event) => {
    if (!window.confirm("Land every ready run, one after the other, its checks on each merged result?")) return;
    act(event.target, async () => { await api("/api/land-ready", {}); await loadBoard(); });
  });
  $("#notify").addEventListener("click", async () => {
    if (!window.Notification) return;
    queue.notify = (await Notification.requestPermission()) === "granted";
    $("#notify").textContent = queue.notify ? "Notifying" : "Notify me";
  });
});
