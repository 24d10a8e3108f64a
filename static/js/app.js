// Model Atlas — small progressive enhancements on every page. The pages work without this file.
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

  // Keyboard focus after a swap. htmx puts focus back on an element of the new content
  // with the focused element's id; when the control that had focus is gone for good (a
  // deleted comment, a saved edit, a page link), focus would drop to the start of the page.
  // The form or link that made the request, or an ancestor, names where focus goes instead
  // with data-focus-after="SELECTOR"; an element that is not focusable is made focusable by
  // script only (tabindex=-1), so it never becomes a Tab stop.
  const FOCUSABLE = "a[href], button, input, select, textarea, [tabindex]";
  document.addEventListener("htmx:afterSettle", (event) => {
    const source = event.detail.requestConfig?.elt?.closest("[data-focus-after]");
    const focused = document.activeElement;
    if (!source || (focused && focused !== document.body)) return;
    const destination = document.querySelector(source.dataset.focusAfter);
    if (!destination) return;
    if (!destination.matches(FOCUSABLE)) destination.tabIndex = -1;
    destination.focus();
  });

  // A link is not swapped away under a click. A click is a press and a release on one
  // element: an answer swapped in between the two (results for the last few letters typed,
  // arriving mid-click) would take the pressed link with it, and the click would open
  // nothing. While a pointer is pressed on a link, a form's GET answer that would replace
  // it is dropped; if the press then does not open the link here (released elsewhere, or
  // opened in a new tab), the form asks again, so its results still catch up. Only GET
  // forms: asking again must not write twice, and other answers are never dropped.
  let pressed = null;
  let dropped = null;
  let opened = false;
  document.addEventListener(
    "pointerdown",
    (event) => {
      pressed = event.target.closest("a[href]");
      dropped = null;
      opened = false;
    },
    true,
  );
  document.addEventListener("htmx:beforeSwap", (event) => {
    const request = event.detail.requestConfig;
    const form = request?.verb === "get" ? request.elt?.closest("form") : null;
    if (!form || !pressed || !event.detail.target.contains(pressed)) return;
    event.detail.shouldSwap = false;
    dropped = form;
  });
  document.addEventListener("click", (event) => {
    const plain = !(event.ctrlKey || event.metaKey || event.shiftKey || event.altKey);
    opened =
      pressed !== null &&
      event.target.closest("a[href]") === pressed &&
      plain &&
      !event.defaultPrevented &&
      !pressed.target;
  });
  const release = () => {
    // After the click the release may cause, which runs in the same task.
    setTimeout(() => {
      if (dropped && !opened) htmx.trigger(dropped, "submit");
      pressed = null;
      dropped = null;
    });
  };
  document.addEventListener("pointerup", release, true);
  document.addEventListener("pointercancel", release, true);
})();
