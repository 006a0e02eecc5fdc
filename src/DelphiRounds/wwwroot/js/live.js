// Live aggregates: keeps every [data-stats] block of the page in step with the round.
// Progressive enhancement: without this script the page shows the figures of when it was loaded.
// Flow (see ARCHITECTURE.md): connect to /hubs/live, join the round (following changes), GET the snapshot, then
// apply pushes whose version is newer than what is shown; a change only onto the version it builds on, else the
// snapshot is fetched again. On reconnect: join and fetch the snapshot again.
(function () {
  "use strict";
  const root = document.querySelector("[data-live-round]");
  if (!root || typeof signalR === "undefined") return;

  const roundId = Number(root.getAttribute("data-live-round"));
  const controls = root.querySelector("[data-live-controls]");
  const statusEl = root.querySelector("[data-live-status]");
  const pauseButton = root.querySelector("[data-live-pause]");
  const announcer = root.querySelector("[data-live-announce]");
  const lang = document.documentElement.lang || "nl";
  const numberFormat = new Intl.NumberFormat(lang, { maximumFractionDigits: 2 });
  const text = (name) => { const t = root.querySelector("[data-text-" + name + "]"); return t && t.content ? t.content.textContent.trim() : ""; };
  const format = (template, ...args) => template.replace(/\{(\d+)\}/g, (_, i) => String(args[Number(i)]));
  const num = (v) => (v === null || v === undefined ? "—" : numberFormat.format(v));

  let paused = false;
  // "Update more slowly": pushes are held and shown together at most every SLOW_MS (the choice is remembered).
  const SLOW_MS = window.delphiLiveSlowMs || 10000;
  const slowButton = root.querySelector("[data-live-slow]");
  let slow = false;
  let slowTimer = null;
  const pending = new Map(); // itemId -> newest stats received while paused
  const shown = new Map();   // itemId -> version on screen

  root.querySelectorAll("[data-stats]").forEach((el) => {
    shown.set(Number(el.getAttribute("data-item")), Number(el.getAttribute("data-version") || 0));
  });

  function setStatus(message) { if (statusEl) statusEl.textContent = message; }

  function itemNumber(block) {
    const card = block.closest(".item-card");
    const title = card ? card.querySelector(".item-card__title") : null;
    return title ? title.firstChild.textContent.trim() : "";
  }

  function render(stats, announce) {
    const block = root.querySelector('[data-stats][data-item="' + stats.itemId + '"]');
    if (!block) return;
    const current = shown.get(stats.itemId) || 0;
    // Older pushes are dropped. An equal version is applied: a late answer with a lower id can change an
    // item without raising its version, and pushes of one item come in order from one aggregate.
    if (stats.version < current) return;
    shown.set(stats.itemId, stats.version);
    block.setAttribute("data-version", String(stats.version));

    const o = stats.overall;
    const set = (name, value) => { const el = block.querySelector('[data-stat="' + name + '"]'); if (el) el.textContent = value; };
    // Participants (data-plain): a rating's or year's middle half in whole points, agreement on an order in words.
    const whole = block.getAttribute("data-plain") === "true" && ["rating", "year"].includes(block.getAttribute("data-kind"));
    const range = (q1, q3) => {
      if (q1 === null || q1 === undefined) return "—";
      if (!whole) return num(q1) + " – " + num(q3);
      const a = Math.round(q1), b = Math.round(q3);
      return a === b ? num(a) : num(a) + " – " + num(b);
    };
    const agreement = (w) => {
      const el = block.querySelector('[data-stat="kendallW"][data-words]');
      if (!el || w === null || w === undefined) return num(w);
      const steps = el.getAttribute("data-steps").split("|").map(Number);
      return el.getAttribute("data-words").split("|")[steps.filter((s) => w >= s).length];
    };
    set("n", String(o.n));
    // "Don't know": counted apart, sent only once at least k chose it.
    const dontKnowRow = block.querySelector("[data-dont-know-row]");
    if (dontKnowRow) {
      dontKnowRow.hidden = stats.dontKnow === undefined || stats.dontKnow === null;
      set("dontKnow", dontKnowRow.hidden ? "" : String(stats.dontKnow));
    }

    if (stats.ranking) {
      // Ranking: agreement on the order and each option's average place (rows keep their order: no jumping).
      set("kendallW", agreement(stats.ranking.kendallW));
      block.querySelectorAll("[data-option]").forEach((row) => {
        const cell = row.querySelector("[data-mean-rank]");
        if (cell) cell.textContent = num((stats.ranking.meanRanks || {})[row.getAttribute("data-option")]);
      });
      flash(block, announce, o.n, agreement(stats.ranking.kendallW));
      return;
    }
    set("min", num(o.min));
    set("max", num(o.max));
    const lo = Number(block.getAttribute("data-range-min")), hi = Number(block.getAttribute("data-range-max"));
    if (block.hasAttribute("data-range-min") && hi > lo) {
      // Numbers and years: move the middle-half band and the median mark on the allowed range.
      const pos = (v) => (v === null || v === undefined ? 0 : Math.max(0, Math.min(100, (100 * (v - lo)) / (hi - lo))));
      const iqr = block.querySelector("[data-iqr]");
      if (iqr) { iqr.setAttribute("x", String(pos(o.q1))); iqr.setAttribute("width", String(Math.max(0, pos(o.q3) - pos(o.q1)))); }
      const mark = block.querySelector("[data-median-mark]");
      if (mark) mark.setAttribute("x", String(pos(o.median)));
    }
    set("median", num(o.median));
    set("quartiles", range(o.q1, o.q3));

    const counts = o.distribution || {};
    const max = Math.max(0, ...Object.values(counts));
    block.querySelectorAll("[data-category]").forEach((row) => {
      const count = counts[row.getAttribute("data-category")] || 0;
      const c = row.querySelector("[data-count]"); if (c) c.textContent = String(count);
      const bar = row.querySelector("[data-bar]"); if (bar) bar.setAttribute("width", max === 0 ? "0" : String(Math.round(1000 * count / max) / 10));
    });

    block.querySelectorAll("[data-group]").forEach((row) => {
      const g = (stats.groups || {})[row.getAttribute("data-group")];
      const hiddenText = row.querySelector("[data-group-hidden]");
      if (!g) {
        // Not shown (again): another group's first answers would otherwise let the panel's figures give a small group away.
        if (!hiddenText) {
          row.querySelectorAll("[data-group-stat]").forEach((td) => td.remove());
          const td = document.createElement("td");
          td.colSpan = 3; td.setAttribute("data-group-hidden", ""); td.textContent = text("group-hidden");
          row.appendChild(td);
        }
        return;
      }
      if (hiddenText) {
        hiddenText.remove();
        ["n", "median", "quartiles"].forEach((k) => { const td = document.createElement("td"); td.setAttribute("data-group-stat", k); row.appendChild(td); });
      }
      const cell = (k) => row.querySelector('[data-group-stat="' + k + '"]');
      cell("n").textContent = String(g.n);
      cell("median").textContent = num(g.median);
      cell("quartiles").textContent = range(g.q1, g.q3);
    });

    flash(block, announce, o.n, num(o.median));
  }

  function flash(block, announce, n, middle) {
    block.classList.remove("flash"); void block.offsetWidth; block.classList.add("flash");
    if (announce && announcer) announcer.textContent = format(text("announce"), itemNumber(block), n, middle);
  }

  // The whole stats of every item as last received (snapshot or push): what a change is applied onto.
  const known = new Map();
  let refetching = false;

  // A change (an item with baseVersion, from JoinRoundChanges) onto the item it builds on: n and whatever it carries
  // replace, the rest stays; of the distribution it carries only the counts that changed, of the groups only those
  // that changed (n and the figures that changed). A null means unchanged.
  function merge(base, change) {
    const merged = Object.assign({}, base);
    for (const [key, value] of Object.entries(change)) {
      if (value === null || value === undefined || key === "baseVersion" || key === "overall" || key === "groups") continue;
      merged[key] = value;
    }
    const overall = Object.assign({}, base.overall);
    for (const [key, value] of Object.entries(change.overall || {})) {
      if (value === null || value === undefined) continue;
      overall[key] = key === "distribution" ? Object.assign({}, base.overall.distribution || {}, value) : value;
    }
    merged.overall = overall;
    // A group shown anew comes whole; one shown before with its n and the figures that changed.
    const groups = Object.assign({}, base.groups || {});
    for (const [slug, figures] of Object.entries(change.groups || {})) {
      const was = groups[slug];
      const now = Object.assign({}, was || {});
      for (const [key, value] of Object.entries(figures)) if (value !== null && value !== undefined) now[key] = value;
      groups[slug] = now;
    }
    merged.groups = groups;
    return merged;
  }

  // Whole items as they are; a change only onto exactly its base version. A change for a version not held (a push
  // missed, or the snapshot not in yet) fetches the snapshot instead: what is shown never rests on a change that did not arrive.
  function resolve(stats) {
    if (stats.baseVersion === undefined || stats.baseVersion === null) {
      // Older than what is held (a snapshot read before the push that came first): nothing to show. Passed on, it
      // replaced the newer figures held back while slowed or paused, and those were never shown.
      const held = known.get(stats.itemId);
      if (held && stats.version < held.version) return null;
      known.set(stats.itemId, stats);
      return stats;
    }
    const base = known.get(stats.itemId);
    if (base && base.version === stats.baseVersion) {
      const merged = merge(base, stats);
      known.set(stats.itemId, merged);
      return merged;
    }
    if (!(base && base.version >= stats.version)) {
      wanted.set(stats.itemId, Math.max(wanted.get(stats.itemId) || 0, stats.version));
      if (!refetching) refetch(0);
    }
    return null;
  }

  // One fetch at a time; a change missed meanwhile may be newer than what that fetch read, so then once more.
  const wanted = new Map(); // itemId -> newest version of a change that could not be applied
  function refetch(attempt) {
    refetching = true;
    snapshot().catch(() => { /* a reconnect fetches it again */ }).finally(() => {
      for (const [itemId, version] of wanted) {
        const held = known.get(itemId);
        if (held && held.version >= version) wanted.delete(itemId);
      }
      if (wanted.size > 0 && attempt < 10) setTimeout(() => refetch(attempt + 1), 100);
      else refetching = false;
    });
  }

  function apply(items, announce) {
    const whole = items.map(resolve).filter((stats) => stats !== null);
    for (const stats of whole) {
      if (paused || slow) pending.set(stats.itemId, stats); // as new as anything held (resolve drops older ones)
      else render(stats, announce && whole.length === 1);
    }
  }

  async function snapshot() {
    const response = await fetch("/api/v1/rounds/" + roundId + "/stats", { credentials: "same-origin", headers: { Accept: "application/json" } });
    if (!response.ok) return;
    const body = await response.json();
    apply(body.items, false);
  }

  // MessagePack when its script loaded (fewer bytes, less parsing: Live/LiveWire.cs), else JSON; the hub speaks both.
  const packed = !!(signalR.protocols && signalR.protocols.msgpack);
  let builder = new signalR.HubConnectionBuilder()
    .withUrl("/hubs/live")
    .withAutomaticReconnect([0, 1000, 2000, 5000, 10000, 10000, 30000]);
  if (packed) builder = builder.withHubProtocol(new signalR.protocols.msgpack.MessagePackHubProtocol());
  const connection = builder.build();

  // A MessagePack push in the shape of the JSON one (short keys; what JSON leaves out stays out).
  function unpackFigures(f) {
    const figures = { n: f.n, median: f.m ?? null, q1: f.q1 ?? null, q3: f.q3 ?? null };
    if (f.lo !== undefined) figures.min = f.lo;
    if (f.hi !== undefined) figures.max = f.hi;
    if (f.d !== undefined) figures.distribution = f.d;
    return figures;
  }
  function unpackItem(i) {
    const groups = {};
    for (const [slug, figures] of Object.entries(i.g || {})) groups[slug] = unpackFigures(figures);
    const item = { itemId: i.i, kind: i.k, version: i.v, overall: unpackFigures(i.o), groups, consensusReached: i.c ?? null };
    if (i.b !== undefined) item.baseVersion = i.b;
    if (i.t !== undefined) item.acceptedTimestamp = i.t;
    if (i.d !== undefined) item.dontKnow = i.d;
    if (i.x !== undefined) item.ranking = { kendallW: i.x.w ?? null, meanRanks: i.x.r };
    return item;
  }
  function unpack(update) { return packed ? { roundId: update.r, items: update.i.map(unpackItem) } : update; }
  function unpackChange(change) { return packed ? { roundId: change.r, state: change.s } : change; }

  connection.on("StatsUpdated", (message) => { const update = unpack(message); if (update.roundId === roundId) apply(update.items, true); });
  connection.on("RoundStateChanged", (message) => {
    const change = unpackChange(message);
    if (change.roundId !== roundId) return;
    if (change.state === "closed") {
      setStatus(text("closed"));
      root.querySelectorAll(".answer-form button[type=submit]").forEach((b) => { b.disabled = true; });
    }
  });
  connection.onreconnecting(() => setStatus(text("reconnecting")));
  connection.onreconnected(async () => { await join(); });

  async function join() {
    // Pushes carry per item only what changed (Live/LiveHub.cs, JoinRoundChanges); resolve() rebuilds the whole item.
    await connection.invoke("JoinRoundChanges", roundId);
    await snapshot();
    setStatus(paused ? text("paused") : slow ? text("slowed") : text("connected"));
  }

  if (pauseButton) {
    pauseButton.addEventListener("click", () => {
      paused = !paused;
      pauseButton.setAttribute("aria-pressed", String(paused));
      pauseButton.textContent = pauseButton.getAttribute(paused ? "data-label-resume" : "data-label-pause");
      setStatus(paused ? text("paused") : slow ? text("slowed") : text("connected"));
      if (!paused && !slow) flush(false);
    });
  }

  function flush(announce) {
    const items = [...pending.values()];
    pending.clear();
    for (const stats of items) render(stats, announce && items.length === 1);
  }

  function setSlow(on) {
    slow = on;
    if (slowButton) slowButton.setAttribute("aria-pressed", String(on));
    try { localStorage.setItem("delphi.live.slow", on ? "1" : "0"); } catch (e) { /* private mode: not remembered */ }
    if (slowTimer) { clearInterval(slowTimer); slowTimer = null; }
    if (on) slowTimer = setInterval(() => { if (!paused) flush(true); }, SLOW_MS);
    else if (!paused) flush(false);
    setStatus(paused ? text("paused") : on ? text("slowed") : text("connected"));
  }

  if (slowButton) {
    slowButton.addEventListener("click", () => setSlow(!slow));
    let remembered = false;
    try { remembered = localStorage.getItem("delphi.live.slow") === "1"; } catch (e) { remembered = false; }
    if (remembered) setSlow(true);
  }

  // After automatic reconnection gives up, keep trying every 15 s: a laptop may sleep through a round.
  connection.onclose(() => { setStatus(text("reconnecting")); setTimeout(start, 15000); });

  function start() {
    connection.start().then(join).catch(() => { setStatus(text("reconnecting")); setTimeout(start, 5000); });
  }

  if (controls) controls.hidden = false;
  start();
  // For diagnostics and the browser tests: what is on screen, the newest version held per item, and fetching the snapshot.
  window.delphiLive = { connection, shown, isSlow: () => slow, held: (itemId) => (known.get(itemId) || {}).version, snapshot };
})();
