// Follows a study report while it is built: refreshes the step, the bar and the percentage once a second
// and opens the report when it is ready. Without this script the page shows the progress of when it was
// loaded, with a link to refresh.
(function () {
  "use strict";
  const intervalMs = 1000;
  const maxPolls = 1800; // half an hour; after that, reloading the page picks the build up again

  const block = document.querySelector("[data-report-progress]");
  if (!block || block.getAttribute("data-state") === "failed") return;
  let polls = 0;

  function part(root, name) { return root.querySelector('[data-report="' + name + '"]'); }

  function settle(state) {
    // Ready: show the report; failed: show why; gone (expired, or the server restarted): make it again.
    // All three are the page itself at the build's address.
    if (state === "ready" || state === "failed" || state === "gone") {
      window.location.replace(block.getAttribute("data-report-url"));
      return true;
    }
    return false;
  }

  async function refresh() {
    if (polls++ >= maxPolls) return;
    try {
      const response = await fetch(block.getAttribute("data-refresh-url"), { credentials: "same-origin", headers: { Accept: "text/html" } });
      if (response.status === 404 || response.redirected) {
        // The study is no longer there for this user (or the login expired): the page says why.
        window.location.replace(block.getAttribute("data-report-url"));
        return;
      }
      if (response.ok) {
        const holder = document.createElement("div");
        holder.innerHTML = (await response.text()).trim();
        const fresh = holder.querySelector("[data-report-progress]");
        if (fresh) {
          const state = fresh.getAttribute("data-state");
          block.setAttribute("data-state", state || "");
          if (settle(state)) return;
          // Only text that changed is replaced, so the polite status line speaks when the stage changes, not every second.
          ["stage", "detail"].forEach((name) => {
            const old = part(block, name), now = part(fresh, name);
            if (old && now && old.textContent !== now.textContent) old.textContent = now.textContent;
          });
          const bar = part(block, "bar"), freshBar = part(fresh, "bar");
          if (bar && freshBar) {
            bar.setAttribute("max", freshBar.getAttribute("max"));
            bar.setAttribute("value", freshBar.getAttribute("value"));
            bar.textContent = freshBar.textContent;
          }
        }
      }
    } catch (e) {
      // Network hiccup: try again at the next tick.
    }
    setTimeout(refresh, intervalMs);
  }

  setTimeout(refresh, intervalMs);
})();
