/* Live updates: the socket is a doorbell, the page is re-read from the server.
 *
 * A page opts in with <script type="application/json" id="live-config"> holding
 *   {"heartbeat": seconds, "streams": [{"url": "/ws/jobs/<uuid>/", "seq": N, "events": "/api/v1/jobs/<uuid>/events"}, ...]}
 * and marks the parts to refresh with data-live-region (and an id). The regions are re-read from
 * <body data-live-url>, the page's canonical GET address (base.html sets it).
 *
 * Job streams carry `seq`: the client keeps the last one it saw, reconnects with ?after=<seq>,
 * and, if a heartbeat reports a later seq than it has, repairs the gap from the event log.
 * Streams without seq (a workshop's) re-read the page on every (re)connect.
 * Three heartbeats without a word mean a dead stream: it is closed and reopened with backoff.
 */
(function () {
  "use strict";
  var node = document.getElementById("live-config");
  if (!node || !("WebSocket" in window)) return;
  var config = JSON.parse(node.textContent);
  var heartbeatMs = Math.max(1, config.heartbeat || 5) * 1000;
  var indicator = document.getElementById("live-indicator");
  var streams = [];
  var refreshTimer = null;
  var refreshing = false;
  var refreshAgain = false;
  var FINAL = { 4400: "ended", 4401: "signed-out", 4403: "ended", 4404: "ended" };

  function emit(name, detail) {
    document.dispatchEvent(new CustomEvent(name, { detail: detail }));
  }

  function overall() {
    var states = streams.map(function (s) { return s.state; });
    if (states.indexOf("signed-out") >= 0) return "signed-out";
    if (states.indexOf("ended") >= 0) return "ended";
    if (states.length && states.every(function (s) { return s === "live"; })) return "live";
    if (states.indexOf("offline") >= 0 || !navigator.onLine) return "offline";
    return "connecting";
  }

  function showState() {
    var state = overall();
    document.documentElement.setAttribute("data-live", state);
    if (indicator) {
      // The words all sit in the indicator already (they size it); the label shows one.
      var word = indicator.querySelector('[data-for="' + state + '"]');
      indicator.setAttribute("data-state", state);
      indicator.querySelector(".live-label").textContent = word ? word.textContent : state;
    }
    emit("shopnet:live", { state: state });
  }

  // --- refreshing the regions ---------------------------------------------------------------

  function busy(region) {
    var active = document.activeElement;
    if (active && region.contains(active) && /^(INPUT|TEXTAREA|SELECT)$/.test(active.tagName)) {
      return true;
    }
    return !!document.querySelector("dialog[open]");
  }

  // At once: events that arrive in the same tick share one read, and whatever arrives while a
  // read is in flight gets one more read after it (never a queue of them).
  function scheduleRefresh() {
    if (refreshing) { refreshAgain = true; return; }
    clearTimeout(refreshTimer);
    refreshTimer = setTimeout(refresh, 0);
  }

  // What the person was on stays theirs: the focused control (by id) and the scroll position.
  function replaceKeepingPlace(region, next) {
    var active = document.activeElement;
    var focusId = active && active.id && region.contains(active) ? active.id : null;
    var x = window.scrollX, y = window.scrollY;
    var open = [];
    region.querySelectorAll("details[open][id]").forEach(function (d) { open.push(d.id); });
    region.replaceWith(next);
    open.forEach(function (id) {
      var d = document.getElementById(id);
      if (d) d.open = true;
    });
    if (focusId) {
      var again = document.getElementById(focusId);
      if (again && again.focus) again.focus({ preventScroll: true });
    }
    if (window.scrollX !== x || window.scrollY !== y) window.scrollTo(x, y);
  }

  // The page's canonical GET address, never window.location: a page drawn as the answer to a
  // POST (a form with errors) sits at an address that only accepts POST.
  var pageUrl = document.body.getAttribute("data-live-url");

  function refresh() {
    if (!pageUrl) return;
    if (refreshing) { refreshAgain = true; return; }
    refreshing = true;
    fetch(pageUrl, { credentials: "same-origin", headers: { "X-Shopnet-Live": "1" } })
      .then(function (response) {
        if (!response.ok) throw new Error("HTTP " + response.status);
        return response.text();
      })
      .then(function (html) {
        var fresh = new DOMParser().parseFromString(html, "text/html");
        var deferred = false;
        document.querySelectorAll("[data-live-region][id]").forEach(function (region) {
          var next = fresh.getElementById(region.id);
          if (!next) return;
          if (busy(region)) { deferred = true; return; }
          // A region the server sends unchanged is left alone (no flicker, no lost state).
          if (next.outerHTML === region.outerHTML) return;
          replaceKeepingPlace(region, next);
        });
        emit("shopnet:refreshed", {});
        if (deferred) {
          document.addEventListener("focusout", scheduleRefresh, { once: true });
        }
      })
      .catch(function () { /* offline: the next hello refreshes */ })
      .then(function () {
        refreshing = false;
        if (refreshAgain) { refreshAgain = false; scheduleRefresh(); }
      });
  }

  // --- the event's own data ----------------------------------------------------------------
  // A step's new state shows at once (its card's class and label); the re-read that follows
  // brings the rest (buttons, counts, the schedule). Resuming goes back to where it was held.
  var STEP_STATES = {
    "step.started": "in_progress", "step.held": "on_hold", "step.resumed": null,
    "step.done": "done", "step.cancelled": "cancelled"
  };

  function applyEvent(data) {
    var next = STEP_STATES[data.kind];
    if (next === undefined || !data.step || !config.stepStates) return;
    document.querySelectorAll('[data-step-state="' + data.step + '"]').forEach(function (card) {
      var state = next || card.getAttribute("data-held-from") || "in_progress";
      if (!config.stepStates[state]) return;
      card.className = card.className.replace(/\bstatus-[a-z_]+\b/, "status-" + state);
      var label = card.querySelector("[data-status-label]");
      if (label) label.textContent = config.stepStates[state];
    });
  }

  // --- one stream ------------------------------------------------------------------------------

  function Stream(spec) {
    this.spec = spec;
    this.seq = typeof spec.seq === "number" ? spec.seq : null;
    this.attempt = 0;
    this.state = "connecting";
    this.socket = null;
    this.deadTimer = null;
    this.retryTimer = null;
    this.repairing = false;
    this.open();
  }

  Stream.prototype.address = function () {
    var url = new URL(this.spec.url, window.location.href);
    url.protocol = window.location.protocol === "https:" ? "wss:" : "ws:";
    if (this.seq !== null && this.spec.events) url.searchParams.set("after", String(this.seq));
    return url.toString();
  };

  Stream.prototype.open = function () {
    var self = this;
    clearTimeout(this.retryTimer);
    if (this.state === "ended" || this.state === "signed-out") return;
    this.state = "connecting";
    showState();
    var socket;
    try {
      socket = new WebSocket(this.address());
    } catch (e) {
      this.closed(1006);
      return;
    }
    this.socket = socket;
    socket.onopen = function () { self.alive(); };
    socket.onmessage = function (message) {
      self.alive();
      var data;
      try { data = JSON.parse(message.data); } catch (e) { return; }
      self.handle(data);
    };
    socket.onclose = function (event) {
      if (self.socket === socket) self.closed(event.code);
    };
  };

  Stream.prototype.alive = function () {
    var self = this;
    var socket = this.socket;
    clearTimeout(this.deadTimer);
    this.deadTimer = setTimeout(function () {
      // A dead connection may take a minute to report its close: do not wait for it.
      if (self.socket !== socket) return;
      socket.onclose = socket.onmessage = null;
      self.closed(1006);
      try { socket.close(); } catch (e) { /* already gone */ }
    }, heartbeatMs * 3);
  };

  Stream.prototype.handle = function (data) {
    if (data.type === "hello") {
      this.attempt = 0;
      this.retried401 = false;
      this.state = "live";
      showState();
      // After the replay the server's seq is the truth (a client's may be from the future).
      if (typeof data.seq === "number") this.seq = data.seq;
      // A stream without a seq cannot replay: what changed while away is on the page.
      if (!this.spec.events || this.reconnected) scheduleRefresh();
      this.reconnected = true;
      emit("shopnet:hello", { stream: this.spec.url });
      return;
    }
    if (data.type === "heartbeat") {
      if (this.spec.events && typeof data.seq === "number" && this.seq !== null && data.seq > this.seq) {
        this.repair();
      }
      return;
    }
    if (data.type === "job.event") {
      if (this.spec.events && typeof data.seq === "number") {
        if (this.seq !== null && data.seq <= this.seq) return; // already seen
        this.seq = data.seq;
      }
      applyEvent(data);
      emit("shopnet:event", data);
      scheduleRefresh();
      return;
    }
    if (data.type === "district.update") {
      emit("shopnet:district", data);
      scheduleRefresh();
      return;
    }
    if (data.type === "board.update") {
      emit("shopnet:board", data);
      scheduleRefresh();
    }
  };

  // A gap: read what was missed from the log, then re-read the page.
  Stream.prototype.repair = function () {
    var self = this;
    if (this.repairing) return;
    this.repairing = true;
    var url = new URL(this.spec.events, window.location.href);
    url.searchParams.set("after", String(this.seq));
    fetch(url.toString(), { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) throw new Error("HTTP " + response.status);
        return response.json();
      })
      .then(function (page) {
        (page.results || []).forEach(function (event) {
          if (event.seq > self.seq) {
            self.seq = event.seq;
            emit("shopnet:event", event);
          }
        });
        scheduleRefresh();
        return page.next_after;
      })
      .catch(function () {
        if (self.socket) self.socket.close(); // reconnecting replays from the last seq
      })
      .then(function (more) {
        self.repairing = false;
        if (more) self.repair();
      });
  };

  Stream.prototype.closed = function (code) {
    clearTimeout(this.deadTimer);
    this.socket = null;
    // Signing in again elsewhere renews the session: one retry before giving up on 4401.
    if (code === 4401 && !this.retried401) {
      this.retried401 = true;
    } else if (FINAL[code]) {
      this.state = FINAL[code];
      showState();
      return;
    }
    this.state = "offline";
    showState();
    var delay = Math.min(30000, 1000 * Math.pow(2, this.attempt)) * (0.5 + Math.random() / 2);
    this.attempt += 1;
    var self = this;
    this.retryTimer = setTimeout(function () { self.open(); }, delay);
  };

  Stream.prototype.retryNow = function () {
    if (this.state === "offline") { this.attempt = 0; this.open(); }
  };

  streams = (config.streams || []).map(function (spec) { return new Stream(spec); });
  showState();
  window.addEventListener("online", function () {
    streams.forEach(function (s) { s.retryNow(); });
  });
  window.addEventListener("offline", showState);
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible") streams.forEach(function (s) { s.retryNow(); });
  });

  window.shopnetLive = { refresh: scheduleRefresh, streams: streams, state: overall };
})();
