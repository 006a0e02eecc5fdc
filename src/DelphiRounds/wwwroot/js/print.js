// "Print" buttons ([data-print], hidden without script): open the browser's print dialog.
// A file of its own because the Content-Security-Policy allows no inline script.
(function () {
  "use strict";
  for (const button of document.querySelectorAll("[data-print]")) {
    button.hidden = false;
    button.addEventListener("click", () => window.print());
  }
})();
