// Keeps the outbox progress on the panel page current while invitations and reminders are being sent.
// Without this script the page shows the counts of when it was loaded, with a link to refresh.
(function () {
  "use strict";
  const intervalMs = 2000;
  const maxPolls = 300; // ten minutes; a long send is better followed by reloading the page
  let polls = 0;

  function current() { return document.querySelector("[data-outbox-progress]"); }

  async function refresh() {
    const block = current();
    if (!block || Number(block.getAttribute("data-pending") || 0) === 0 || polls++ >= maxPolls) return;
    try {
      const response = await fetch(block.getAttribute("data-refresh-url"), { credentials: "same-origin", headers: { Accept: "text/html" } });
      if (response.ok) {
        const holder = document.createElement("div");
        holder.innerHTML = (await response.text()).trim();
        const fresh = holder.querySelector("[data-outbox-progress]");
        // Only the figures change, so a screen reader hears the counts (the list is a polite live region).
        if (fresh) {
          fresh.querySelectorAll("[data-outbox]").forEach((dd) => {
            const old = block.querySelector('[data-outbox="' + dd.getAttribute("data-outbox") + '"]');
            if (old && old.textContent !== dd.textContent) old.textContent = dd.textContent;
          });
          block.setAttribute("data-pending", fresh.getAttribute("data-pending") || "0");
        }
      }
    } catch (e) {
      // Network hiccup: try again at the next tick.
    }
    setTimeout(refresh, intervalMs);
  }

  setTimeout(refresh, intervalMs);
})();
