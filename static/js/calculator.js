// Model Atlas — cost calculator. The calculator works without this file.
//
// A field edit swaps in only the result and, out of band, each field's message
// (see templates/calculator/_macros.html). This marks the fields whose message
// is now non-empty as invalid, and the others as valid again, so assistive
// technology hears the same state the page shows.
(() => {
  "use strict";

  const syncInvalidFields = () => {
    document.querySelectorAll(".calculator-form .field-error").forEach((message) => {
      const field = document.querySelector(`[aria-describedby~="${message.id}"]`);
      if (!field) return;
      if (message.textContent.trim()) {
        field.setAttribute("aria-invalid", "true");
      } else {
        field.removeAttribute("aria-invalid");
      }
    });
  };

  document.addEventListener("htmx:afterSettle", syncInvalidFields);
})();
