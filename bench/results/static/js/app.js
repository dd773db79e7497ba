// Handoff: keyboard shortcuts, the inbox cursor and ticks that survive refreshes, ticking SLA clocks.
// Everything works without this file; it only adds speed.
(function () {
  "use strict";
  const ticked = new Set();
  const cursorKey = "handoff:cursor:" + location.pathname;

  const rows = () => Array.from(document.querySelectorAll("[data-row]"));
  const typing = (el) => el && (el.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(el.tagName));

  function setCursor(row, scroll) {
    rows().forEach((r) => r.classList.toggle("is-cursor", r === row));
    if (!row) return;
    sessionStorage.setItem(cursorKey, row.id);
    if (scroll) row.scrollIntoView({ block: "nearest" });
  }
  function cursorRow() { return document.querySelector("[data-row].is-cursor"); }
  function moveCursor(step) {
    const all = rows();
    if (!all.length) return;
    const at = all.indexOf(cursorRow());
    const next = at < 0 ? all[0] : all[Math.max(0, Math.min(all.length - 1, at + step))];
    setCursor(next, true);
    const link = next.querySelector(".subject a");
    if (link) link.focus({ preventScroll: true });
  }

  // Restore the agent's place after a refresh of the list: cursor row and ticked boxes.
  function restoreList() {
    const saved = sessionStorage.getItem(cursorKey);
    const row = (saved && document.getElementById(saved)) || null;
    if (row) setCursor(row, false);
    document.querySelectorAll('input[name="tickets"]').forEach((box) => { box.checked = ticked.has(box.value); });
    updateBulk();
  }

  function updateBulk() {
    const form = document.getElementById("bulk-form");
    if (!form) return;
    const count = document.querySelectorAll('input[name="tickets"]:checked').length;
    form.querySelector("[data-bulk-count]").textContent = count ? count + " ticked" : "No tickets ticked";
    form.querySelector("[data-bulk-submit]").disabled = count === 0;
    const action = form.querySelector("[data-bulk-action]").value;
    form.querySelectorAll("[data-bulk-for]").forEach((el) => { el.hidden = el.dataset.bulkFor !== action; });
  }

  document.addEventListener("change", (event) => {
    const el = event.target;
    if (el.matches('input[name="tickets"]')) {
      el.checked ? ticked.add(el.value) : ticked.delete(el.value);
      updateBulk();
    } else if (el.matches("[data-check-all]")) {
      document.querySelectorAll('input[name="tickets"]').forEach((box) => {
        box.checked = el.checked;
        el.checked ? ticked.add(box.value) : ticked.delete(box.value);
      });
      updateBulk();
    } else if (el.matches("[data-bulk-action]")) {
      updateBulk();
    } else if (el.matches("[data-availability]")) {
      const dot = el.parentElement.querySelector(".dot");
      if (dot) dot.className = "dot dot-" + el.value;
    }
  });
  document.addEventListener("click", (event) => {
    const row = event.target.closest("[data-row]");
    if (row && !event.target.closest("a, input, button, label")) setCursor(row, false);
    const opener = event.target.closest("[data-open]");
    if (opener) openPanel(opener.dataset.open);
    const shortcuts = event.target.closest("[data-shortcuts-open]");
    if (shortcuts) document.getElementById("shortcuts").showModal();
  });

  // The bell: a second click (or a click elsewhere) closes the menu instead of reloading it.
  document.addEventListener("click", (event) => {
    const menu = document.getElementById("bell-menu");
    if (!menu || menu.hidden || menu.closest(".notifications-page")) return;
    if (event.target.closest("#bell-button")) {
      event.preventDefault(); event.stopPropagation(); menu.hidden = true;
    } else if (!event.target.closest("#bell-menu")) {
      menu.hidden = true;
    }
  }, true);

  function openPanel(id) {
    const panel = document.getElementById(id);
    if (!panel) return;
    panel.open = true;
    panel.scrollIntoView({ block: "nearest" });
    const field = panel.querySelector("select, textarea, input:not([type=hidden])");
    if (field) field.focus();
  }

  let pendingG = false;
  document.addEventListener("keydown", (event) => {
    if (event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) {
      if (event.key === "Escape" && typing(event.target)) event.target.blur();
      return;
    }
    const key = event.key;
    const onInbox = !!document.getElementById("inbox-list");
    const click = (selector) => { const el = document.querySelector(selector); if (el) { el.click(); return true; } return false; };
    let handled = true;
    if (pendingG) { pendingG = false; if (key === "i") { location.href = "/tickets/"; } return; }
    if (key === "?") document.getElementById("shortcuts").showModal();
    else if (key === "g") pendingG = true;
    else if (onInbox && key === "j") moveCursor(1);
    else if (onInbox && key === "k") moveCursor(-1);
    else if (onInbox && key === "Enter" && cursorRow()) location.href = cursorRow().dataset.url;
    else if (onInbox && key === "x" && cursorRow()) click("#" + cursorRow().id + ' input[name="tickets"]');
    else if (onInbox && key === "/") { const q = document.getElementById("id_q"); if (q) q.focus(); }
    else if (!onInbox && key === "r") { const body = document.getElementById("reply-body"); if (body) body.focus(); else handled = false; }
    else if (!onInbox && key === "n") openPanel("note-panel");
    else if (!onInbox && key === "e") openPanel("escalate-panel");
    else if (!onInbox && key === "x") openPanel("resolve-panel");
    else if (!onInbox && key === "a") handled = click('[data-shortcut="a"]');
    else handled = false;
    if (handled) event.preventDefault();
  });

  // SLA chips count down between refreshes.
  function tick() {
    const now = Date.now();
    document.querySelectorAll("[data-due]").forEach((el) => {
      const left = Date.parse(el.dataset.due) - now;
      const mins = Math.floor(Math.abs(left) / 60000);
      const d = Math.floor(mins / 1440), h = Math.floor((mins % 1440) / 60), m = mins % 60;
      const text = d ? d + "d " + h + "h" : h ? h + "h " + String(m).padStart(2, "0") + "m" : m + "m";
      el.textContent = left < 0 ? text + " overdue" : text + " left";
      el.classList.toggle("sla-breach", left < 0);
      el.classList.toggle("sla-soon", left >= 0 && left < 3600000);
      el.classList.toggle("sla-ok", left >= 3600000);
    });
  }
  setInterval(tick, 30000);

  document.addEventListener("htmx:afterSettle", restoreList);
  document.addEventListener("DOMContentLoaded", restoreList);
})();
