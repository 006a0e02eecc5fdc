// Copy buttons beside one-time links (_CopyButton.cshtml): shown only when script runs, they copy the
// field's text and say so in a status line a screen reader announces.
(function () {
  "use strict";
  document.querySelectorAll("[data-copy-for]").forEach((button) => {
    const field = document.getElementById(button.getAttribute("data-copy-for"));
    const line = button.closest("[data-copy-line]");
    const status = line && line.querySelector("[data-copy-status]");
    if (!field || !line) return;
    line.hidden = false;
    const say = (text) => { if (status) status.textContent = text; };
    button.addEventListener("click", async () => {
      say("");
      try {
        if (navigator.clipboard && window.isSecureContext) {
          await navigator.clipboard.writeText(field.value);
        } else {
          field.select();
          if (!document.execCommand("copy")) throw new Error("copy refused");
        }
        say(button.getAttribute("data-copied"));
      } catch (e) {
        field.focus();
        field.select();
        say(button.getAttribute("data-copy-failed"));
      }
    });
  });
})();
