// Handoff composer: Markdown buttons, "is typing" for the presence heartbeat, the 409 collision
// answer swapped in, and "Sam is viewing" markers on inbox rows. The page works without it.
(function () {
  "use strict";
  const TYPING_MS = 8000;
  let lastTyped = 0;

  // A stale send answers 409 with the composer (the newer reply, "Send anyway"): show it.
  document.addEventListener("htmx:beforeSwap", (event) => {
    const xhr = event.detail.xhr;
    if (xhr && xhr.status === 409 && event.detail.elt && event.detail.elt.id === "reply-form") {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });

  // Formatting buttons write Markdown around the selection.
  const wrap = {
    bold: (s) => "**" + (s || "bold text") + "**",
    italic: (s) => "*" + (s || "italic text") + "*",
    list: (s) => (s || "item").split("\n").map((line) => "- " + line).join("\n"),
    link: (s) => "[" + (s || "link text") + "](https://)",
  };
  document.addEventListener("click", (event) => {
    const button = event.target.closest("[data-md]");
    if (!button) return;
    const area = document.getElementById("reply-body");
    if (!area) return;
    const { selectionStart: start, selectionEnd: end, value } = area;
    const text = wrap[button.dataset.md](value.slice(start, end));
    area.setRangeText(text, start, end, "end");
    area.focus();
    area.dispatchEvent(new Event("input", { bubbles: true }));
  });

  // Typing in the reply marks this agent as typing for the next heartbeats.
  document.addEventListener("input", (event) => {
    if (!event.target.matches("[data-typing-watch]")) return;
    const idle = Date.now() - lastTyped > TYPING_MS;
    lastTyped = Date.now();
    if (idle) document.body.dispatchEvent(new CustomEvent("presence-typing"));
  });
  // A sent reply ends "typing" at once.
  document.addEventListener("submit", (event) => {
    if (event.target.id === "reply-form") lastTyped = 0;
  });
  document.addEventListener("htmx:configRequest", (event) => {
    if (event.detail.elt && event.detail.elt.id === "presence-form") {
      event.detail.parameters.typing = Date.now() - lastTyped < TYPING_MS ? "1" : "0";
    }
  });

  // Inbox rows: who else has each ticket open (one request for all the rows on screen).
  async function refreshMarkers() {
    const markers = Array.from(document.querySelectorAll("[data-presence-ticket]"));
    if (!markers.length || document.hidden) return;
    const ids = markers.map((m) => m.dataset.presenceTicket).join(",");
    try {
      const url = markers[0].dataset.presenceUrl + "?ids=" + ids;
      const response = await fetch(url, { credentials: "same-origin" });
      if (!response.ok) return;
      const present = await response.json();
      markers.forEach((marker) => {
        const people = present[marker.dataset.presenceTicket] || [];
        marker.textContent = people.join(" · ");
        marker.classList.toggle("is-typing", people.some((p) => p.endsWith("is typing")));
      });
    } catch (error) {
      // Offline for a moment: keep what is shown.
    }
  }
  document.addEventListener("DOMContentLoaded", refreshMarkers);
  document.addEventListener("htmx:afterSettle", refreshMarkers);
  setInterval(refreshMarkers, 5000);
})();
