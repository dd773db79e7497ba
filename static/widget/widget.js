/* Handoff chat widget: <script src="https://support.example.com/static/widget/widget.js" data-key="wk_..." defer></script>
 * No dependencies. Renders inside a shadow root so the host page's CSS cannot break it (nor it the page).
 * The visitor's chat token is kept in localStorage per key, so a returning visitor sees the conversation. */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || !script.dataset.key) { return; }
  var key = script.dataset.key;
  var base = new URL(script.src, location.href).origin;
  var api = base + "/api/v1/widget/" + encodeURIComponent(key) + "/";
  var storeKey = "handoff-chat:" + key;
  var token = null;
  try { token = localStorage.getItem(storeKey); } catch (e) { token = null; }
  var lastId = 0, timer = null, open = false, failures = 0;

  var host = document.createElement("div");
  host.id = "handoff-chat";
  var root = host.attachShadow ? host.attachShadow({ mode: "open" }) : host;
  root.innerHTML =
    '<link rel="stylesheet" href="' + base + '/static/widget/widget.css">' +
    '<button class="hc-launch" type="button" aria-expanded="false" aria-controls="hc-panel">Chat with us</button>' +
    '<section class="hc-panel" id="hc-panel" role="dialog" aria-label="Chat" hidden>' +
    '  <header><strong class="hc-title">Support</strong><button class="hc-close" type="button" aria-label="Close">×</button></header>' +
    '  <p class="hc-greeting"></p>' +
    '  <form class="hc-start"><label>Your name<input name="name" autocomplete="name" maxlength="200"></label>' +
    '    <label>Your email<input name="email" type="email" autocomplete="email" required maxlength="254"></label>' +
    '    <button type="submit">Start chat</button></form>' +
    '  <ol class="hc-log" aria-live="polite" hidden></ol>' +
    '  <form class="hc-send" hidden><label class="hc-sr" for="hc-text">Message</label>' +
    '    <textarea id="hc-text" name="body" rows="2" maxlength="5000" required placeholder="Type your message"></textarea>' +
    '    <button type="submit">Send</button></form>' +
    '  <p class="hc-error" role="alert" hidden></p>' +
    '</section>';
  document.body.appendChild(host);

  function $(sel) { return root.querySelector(sel); }
  var panel = $(".hc-panel"), launch = $(".hc-launch"), log = $(".hc-log");
  var startForm = $(".hc-start"), sendForm = $(".hc-send"), errorBox = $(".hc-error");

  function request(method, path, body) {
    var headers = { "Content-Type": "application/json" };
    if (token) { headers["X-Chat-Token"] = token; }
    return fetch(api + path, { method: method, headers: headers, body: body ? JSON.stringify(body) : undefined, mode: "cors", credentials: "omit" })
      .then(function (response) {
        return response.json().catch(function () { return {}; }).then(function (data) {
          if (!response.ok) { var err = new Error(data.detail || ("Error " + response.status)); err.status = response.status; throw err; }
          return data;
        });
      });
  }
  function showError(message) { errorBox.textContent = message || ""; errorBox.hidden = !message; }
  // Messages are placed by id (a reply may arrive while the visitor's own message is in flight);
  // lastId only advances from polls, so nothing between two polls is ever skipped.
  var shown = {};
  function render(messages, fromPoll) {
    messages.forEach(function (m) {
      if (fromPoll && m.id > lastId) { lastId = m.id; }
      if (shown[m.id]) { return; }
      shown[m.id] = true;
      var item = document.createElement("li");
      item.className = m.mine ? "hc-mine" : "hc-theirs";
      item.dataset.id = m.id;
      var who = document.createElement("span"); who.className = "hc-who"; who.textContent = m.author;
      var text = document.createElement("p"); text.textContent = m.body;
      item.appendChild(who); item.appendChild(text);
      (m.attachments || []).forEach(function (file) {
        var link = document.createElement("a");
        link.href = file.url; link.textContent = file.filename; link.rel = "noopener"; link.target = "_blank";
        link.className = "hc-file";
        item.appendChild(link);
      });
      var later = Array.prototype.find.call(log.children, function (li) { return Number(li.dataset.id) > m.id; });
      log.insertBefore(item, later || null);
      log.scrollTop = log.scrollHeight;
    });
  }
  function chatting() {
    startForm.hidden = true; log.hidden = false; sendForm.hidden = false;
  }
  function poll() {
    if (!token) { return; }
    request("GET", "messages/?after=" + lastId).then(function (messages) {
      failures = 0; showError(""); render(messages, true);
    }).catch(function (err) {
      if (err.status === 401) {
        // The session is gone (or the key changed): start over with an empty conversation.
        token = null; lastId = 0; shown = {}; log.textContent = "";
        try { localStorage.removeItem(storeKey); } catch (e) {}
        startForm.hidden = false; log.hidden = true; sendForm.hidden = true;
      }
      failures += 1;
    }).then(schedule);
  }
  function schedule() {
    clearTimeout(timer);
    if (!token) { return; }
    var delay = (open && !document.hidden ? 4000 : 20000) * Math.min(1 + failures, 6);
    timer = setTimeout(poll, delay);
  }
  function uid() { return Date.now().toString(36) + Math.random().toString(36).slice(2, 10); }

  launch.addEventListener("click", function () {
    open = !open; panel.hidden = !open; launch.setAttribute("aria-expanded", String(open));
    if (open) { (token ? $("#hc-text") : startForm.querySelector("input")).focus(); poll(); }
  });
  $(".hc-close").addEventListener("click", function () { open = false; panel.hidden = true; launch.setAttribute("aria-expanded", "false"); launch.focus(); });
  startForm.addEventListener("submit", function (event) {
    event.preventDefault();
    var data = new FormData(startForm);
    request("POST", "sessions/", { name: data.get("name"), email: data.get("email") }).then(function (reply) {
      token = reply.token; try { localStorage.setItem(storeKey, token); } catch (e) {}
      showError(""); chatting(); $("#hc-text").focus(); schedule();
    }).catch(function (err) { showError(err.message); });
  });
  sendForm.addEventListener("submit", function (event) {
    event.preventDefault();
    var field = $("#hc-text"), body = field.value.trim();
    if (!body) { return; }
    var button = sendForm.querySelector("button"); button.disabled = true;
    request("POST", "messages/", { body: body, client_id: uid() }).then(function (message) {
      field.value = ""; showError(""); render([message], false); poll();
    }).catch(function (err) { showError(err.message); }).then(function () { button.disabled = false; });
  });
  $("#hc-text").addEventListener("keydown", function (event) {
    if (event.key === "Enter" && !event.shiftKey) { event.preventDefault(); sendForm.requestSubmit(); }
  });
  document.addEventListener("visibilitychange", schedule);

  request("GET", "").then(function (config) {
    $(".hc-title").textContent = config.name; $(".hc-greeting").textContent = config.greeting;
  }).catch(function () {});
  if (token) { chatting(); poll(); }
})();
