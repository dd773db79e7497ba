// The ticket page's action bar: one panel open at a time, Escape or a click outside closes it,
// s / m / p open snooze, merge and approvals (app.js handles r, n, e, x, a). Without this file
// every panel still opens and submits as a plain <details> form.
(function () {
  "use strict";
  const bar = () => document.querySelector(".action-bar");

  // The sticky header sits under the top bar, whose height changes with the width (it wraps).
  function measureTopbar() {
    const top = document.querySelector(".topbar");
    if (top) document.documentElement.style.setProperty("--topbar-h", top.offsetHeight + "px");
  }
  measureTopbar();
  // The header tools arrive after the page (HTMX) and may wrap the top bar: follow its size.
  const topbar = document.querySelector(".topbar");
  if (topbar && window.ResizeObserver) new ResizeObserver(measureTopbar).observe(topbar);
  else window.addEventListener("resize", measureTopbar);
  const typing = (el) => el && (el.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(el.tagName));

  function closeOthers(keep) {
    const root = bar();
    if (!root) return;
    root.querySelectorAll(":scope > details[open]").forEach((d) => { if (d !== keep) d.open = false; });
  }

  function open(id) {
    const panel = document.getElementById(id);
    if (!panel) return false;
    closeOthers(panel);
    panel.open = true;
    const field = panel.querySelector(".bar-panel select, .bar-panel textarea, .bar-panel input:not([type=hidden])");
    if (field) field.focus({ preventScroll: true });
    return true;
  }

  // A bar panel opened any way (click, keyboard, app.js) closes the others.
  document.addEventListener("toggle", (event) => {
    const el = event.target;
    if (el.matches && el.matches(".action-bar > details") && el.open) closeOthers(el);
  }, true);

  document.addEventListener("click", (event) => {
    const focus = event.target.closest("[data-focus]");
    if (focus) {
      const target = document.getElementById(focus.dataset.focus);
      if (target) { target.focus({ preventScroll: false }); target.scrollIntoView({ block: "nearest" }); }
    }
    const root = bar();
    if (root && !event.target.closest(".action-bar > details")) {
      root.querySelectorAll(":scope > details[open]:not([data-auto-open])").forEach((d) => { d.open = false; });
    }
  });

  document.addEventListener("keydown", (event) => {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    if (event.key === "Escape") {
      const openPanel = document.querySelector(".action-bar > details[open]");
      if (openPanel) {
        openPanel.open = false;
        openPanel.removeAttribute("data-auto-open");
        openPanel.querySelector("summary").focus({ preventScroll: true });
      }
      return;
    }
    if (typing(event.target) || !bar()) return;
    const ids = { s: "snooze-panel", m: "merge-panel", p: "approval-panel" };
    if (ids[event.key] && open(ids[event.key])) event.preventDefault();
  });
})();
