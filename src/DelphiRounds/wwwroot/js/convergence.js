// Convergence page: while a round is open, each item's charts follow its live figures. When the server
// pushes StatsUpdated for an item, the item's block is fetched again, drawn on the server
// (?handler=Item&itemId=…), and swapped in. Without this script the page shows the figures of when it was loaded.
(function () {
  "use strict";
  const root = document.querySelector("[data-convergence-round]");
  if (!root || typeof signalR === "undefined") return;
  const roundId = Number(root.getAttribute("data-convergence-round"));
  const studyId = root.getAttribute("data-convergence-study");
  if (!roundId) return;

  const controls = root.querySelector("[data-live-controls]");
  const statusEl = root.querySelector("[data-live-status]");
  const pauseButton = root.querySelector("[data-live-pause]");
  const announcer = root.querySelector("[data-live-announce]");
  const text = (name) => { const t = root.querySelector("[data-text-" + name + "]"); return t && t.content ? t.content.textContent.trim() : ""; };
  const setStatus = (message) => { if (statusEl) statusEl.textContent = message; };

  let paused = false;
  const waiting = new Set();   // items changed while paused
  const timers = new Map();    // itemId -> pending refresh (at most one fetch per item per second)

  // "Update more slowly" (WCAG 2.2.1/2.2.2), as on the questionnaire: changes are held and redrawn together
  // at most every SLOW_MS; the choice is remembered (the same setting as the questionnaire's).
  const SLOW_MS = window.delphiLiveSlowMs || 10000;
  const slowButton = root.querySelector("[data-live-slow]");
  let slow = false;
  let slowTimer = null;

  function schedule(itemId) {
    if (paused || slow) { waiting.add(itemId); return; }
    if (timers.has(itemId)) return;
    timers.set(itemId, setTimeout(() => { timers.delete(itemId); refresh(itemId); }, 1000));
  }

  function flush() { const items = [...waiting]; waiting.clear(); items.forEach((id) => refresh(id)); }

  function setSlow(on) {
    slow = on;
    if (slowButton) slowButton.setAttribute("aria-pressed", String(on));
    try { localStorage.setItem("delphi.live.slow", on ? "1" : "0"); } catch (e) { /* private mode: not remembered */ }
    if (slowTimer) { clearInterval(slowTimer); slowTimer = null; }
    if (on) slowTimer = setInterval(() => { if (!paused) flush(); }, SLOW_MS);
    else if (!paused) flush();
    setStatus(paused ? text("paused") : on ? text("slowed") : text("connected"));
  }

  // Only the last fetch of an item is drawn: one started earlier may answer later, with older figures.
  const fetches = new Map(); // itemId -> number of its last fetch
  let fetchCount = 0;

  async function refresh(itemId) {
    if (!root.querySelector('[data-convergence-item="' + itemId + '"]')) return;
    const mine = ++fetchCount;
    fetches.set(itemId, mine);
    const response = await fetch("/f/studies/" + studyId + "/convergence?handler=Item&itemId=" + itemId,
      { credentials: "same-origin", headers: { Accept: "text/html" } });
    if (!response.ok) return;
    const html = await response.text();
    if (fetches.get(itemId) !== mine) return;
    const block = root.querySelector('[data-convergence-item="' + itemId + '"]');
    if (!block) return;
    const holder = document.createElement("div");
    holder.innerHTML = html.trim();
    const fresh = holder.querySelector("[data-convergence-item]");
    if (!fresh) return;
    // Keep open tables open, so a reader is not thrown out of the table they are reading.
    const open = Array.from(block.querySelectorAll("details")).map((d) => d.open);
    fresh.querySelectorAll("details").forEach((d, i) => { if (open[i]) d.open = true; });
    block.replaceWith(fresh);
    if (announcer) {
      const title = fresh.querySelector(".item-card__title");
      announcer.textContent = text("updated").replace("{0}", title ? title.firstChild.textContent.trim().replace(/\D+/g, "") : "");
    }
  }

  const connection = new signalR.HubConnectionBuilder()
    .withUrl("/hubs/live")
    .withAutomaticReconnect([0, 1000, 2000, 5000, 10000, 10000, 30000])
    .build();

  connection.on("StatsUpdated", (update) => {
    if (update.roundId !== roundId) return;
    update.items.forEach((item) => schedule(item.itemId));
  });
  connection.on("RoundStateChanged", (change) => {
    if (change.roundId !== roundId) return;
    if (change.state === "closed") {
      // The round's snapshots and verdicts now exist: draw every item again from them.
      setStatus(text("closed"));
      root.querySelectorAll("[data-convergence-item]").forEach((b) => schedule(Number(b.getAttribute("data-convergence-item"))));
    }
  });
  connection.onreconnecting(() => setStatus(text("reconnecting")));
  connection.onreconnected(async () => { await join(); });
  connection.onclose(() => { setStatus(text("reconnecting")); setTimeout(start, 15000); });

  async function join() {
    await connection.invoke("JoinRound", roundId);
    setStatus(paused ? text("paused") : slow ? text("slowed") : text("connected"));
  }

  function start() {
    connection.start().then(join).catch(() => { setStatus(text("reconnecting")); setTimeout(start, 5000); });
  }

  if (pauseButton) {
    pauseButton.addEventListener("click", () => {
      paused = !paused;
      pauseButton.setAttribute("aria-pressed", String(paused));
      pauseButton.textContent = pauseButton.getAttribute(paused ? "data-label-resume" : "data-label-pause");
      setStatus(paused ? text("paused") : slow ? text("slowed") : text("connected"));
      if (!paused && !slow) { const items = [...waiting]; waiting.clear(); items.forEach(schedule); }
    });
  }
  if (slowButton) {
    slowButton.addEventListener("click", () => setSlow(!slow));
    let remembered;
    try { remembered = localStorage.getItem("delphi.live.slow") === "1"; } catch (e) { remembered = false; }
    if (remembered) setSlow(true);
  }

  if (controls) controls.hidden = false;
  start();
  window.delphiConvergence = { connection, isSlow: () => slow }; // for diagnostics and browser tests
})();
