// Model Atlas — small progressive enhancements. The pages work without this file.
//
// Copy buttons: <button data-copy-target="ID" hidden> copies the text of the element
// with that id. They ship hidden and are shown only where the Clipboard API exists,
// so no visitor ever sees a button that does nothing.
(() => {
  "use strict";

  const BUTTONS = "button[data-copy-target]";
  const FEEDBACK_MS = 1500;

  const showCopyButtons = (root) => {
    if (!navigator.clipboard) return;
    root.querySelectorAll(BUTTONS).forEach((button) => {
      button.hidden = false;
    });
  };

  const copyFrom = async (button) => {
    const source = document.getElementById(button.dataset.copyTarget);
    if (!source) return;
    button.dataset.label ??= button.textContent;
    const label = button.dataset.label;
    try {
      await navigator.clipboard.writeText(source.textContent);
      button.textContent = "Copied";
    } catch {
      button.textContent = "Copy failed";
    }
    setTimeout(() => {
      button.textContent = label;
    }, FEEDBACK_MS);
  };

  document.addEventListener("click", (event) => {
    const button = event.target.closest(BUTTONS);
    if (button) copyFrom(button);
  });
  document.addEventListener("DOMContentLoaded", () => showCopyButtons(document));
  // Content swapped in by htmx (another provider's snippets) brings new buttons.
  document.addEventListener("htmx:load", (event) => showCopyButtons(event.detail.elt));
})();
