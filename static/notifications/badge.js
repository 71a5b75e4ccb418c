// The unread count in the top bar, live over the user's own socket (/ws/notifications/).
// The server says the count on connect and on every change; a lost connection is retried
// with backoff, and a reconnect's hello repairs any count the channel layer dropped.
(function () {
  "use strict";
  var link = document.querySelector("[data-notifications-badge]");
  if (!link) return;
  var badge = link.querySelector("[data-count]");
  var attempt = 0;

  function show(count) {
    count = Math.max(0, parseInt(count, 10) || 0);
    badge.textContent = count > 99 ? "99+" : count ? String(count) : "";
    badge.classList.toggle("on", count > 0);
    link.dataset.unread = String(count);
    link.setAttribute(
      "aria-label",
      count ? link.dataset.labelSome + " " + count : link.dataset.labelNone
    );
    document.dispatchEvent(new CustomEvent("shopnet:unread", { detail: { unread: count } }));
  }

  function fetchOnce() {
    if (!window.fetch) return;
    fetch(link.dataset.api, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) { if (data && typeof data.unread === "number") show(data.unread); })
      .catch(function () { /* the socket will say it */ });
  }

  function open() {
    if (!("WebSocket" in window)) { fetchOnce(); return; }
    var url = new URL(link.dataset.stream, window.location.href);
    url.protocol = window.location.protocol === "https:" ? "wss:" : "ws:";
    var socket = new WebSocket(url.toString());
    socket.onmessage = function (message) {
      var data;
      try { data = JSON.parse(message.data); } catch (e) { return; }
      if (data.type === "hello") attempt = 0;
      if (typeof data.unread === "number") show(data.unread);
    };
    socket.onclose = function (event) {
      if (event.code === 4401) return; // signed out
      attempt += 1;
      if (attempt === 3) fetchOnce();
      setTimeout(open, Math.min(30000, 1000 * Math.pow(2, attempt)) * (0.5 + Math.random()));
    };
  }

  open();
})();
