// Signing (and withdrawing) with a passkey. The section [data-passkey] is hidden without script or without
// WebAuthn; the page's form then signs by link only. With a passkey:
//   1. signing only, when they have none yet: make a passkey for this signatory (POST /sign/{token}/passkey/registration, then
//      navigator.credentials.create through SimpleWebAuthn, then POST /sign/{token}/passkey/credential);
//   2. ask for the options to sign this entry (GET /sign/{token}/passkey/assertion?kind=...): the challenge is the
//      SHA-256 of the frozen document, organisation, signatory and the entry's place in the ledger;
//   3. the device signs it (navigator.credentials.get), and the form is posted with the signed assertion in its
//      hidden field [data-passkey-assertion]. The server checks it and appends; the form's confirmation still counts.
(function () {
  "use strict";
  const section = document.querySelector("[data-passkey]");
  const webauthn = window.SimpleWebAuthnBrowser;
  if (!section || !webauthn || !webauthn.browserSupportsWebAuthn()) return;
  const form = document.getElementById(section.dataset.form);
  const button = section.querySelector("[data-passkey-button]");
  const status = section.querySelector("[data-passkey-status]");
  const field = form.querySelector("[data-passkey-assertion]");
  const base = "/sign/" + encodeURIComponent(section.dataset.token) + "/passkey";
  section.hidden = false;
  for (const fallback of document.querySelectorAll("[data-passkey-fallback]")) fallback.hidden = true;

  async function json(response) {
    if (response.ok) return response.status === 204 ? null : response.json();
    let message = section.dataset.cancelled;
    try {
      const problem = await response.json();
      const errors = problem.errors && Object.values(problem.errors)[0];
      message = (errors && errors[0]) || problem.detail || message;
    } catch (_) { /* not a problem document */ }
    throw new Error(message);
  }

  button.addEventListener("click", async () => {
    // The same confirmation as the link's button: the browser shows what is missing.
    if (!form.reportValidity()) return;
    button.disabled = true;
    status.textContent = section.dataset.busy;
    try {
      if (section.dataset.kind === "endorsement" && section.dataset.registered !== "true") {
        const creation = await json(await fetch(base + "/registration", { method: "POST" }));
        const credential = await webauthn.startRegistration({ optionsJSON: creation });
        await json(await fetch(base + "/credential", {
          method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(credential),
        }));
        section.dataset.registered = "true";
      }
      const request = await json(await fetch(base + "/assertion?kind=" + encodeURIComponent(section.dataset.kind)));
      const assertion = await webauthn.startAuthentication({ optionsJSON: request });
      field.value = JSON.stringify(assertion);
      form.submit();
    } catch (error) {
      status.textContent = error instanceof Error && error.name === "Error" ? error.message : section.dataset.cancelled;
      button.disabled = false;
    }
  });
})();
