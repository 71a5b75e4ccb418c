/* The floor station's taps: queued on the tablet, sent in order, each exactly once.
 *
 * Every step form (data-queue) becomes a task {key, url, body, label}: the key is made for that
 * tap on the tablet, so a task sent twice (a retry after a lost answer) is applied once and two
 * taps are never taken for one. Tasks live in localStorage until the server answers: 2xx
 * removes them, a refusal (4xx) moves them to a visible "refused" list with the server's
 * reason, and no answer (offline, 5xx) keeps them for the next try: when the connection
 * returns, when the stream says hello, every few seconds.
 * Without JavaScript the same forms post to the step pages.
 */
(function () {
  "use strict";
  var outbox = document.getElementById("floor-outbox");
  if (!outbox) return;
  document.documentElement.classList.add("js");
  var storeKey = "shopnet.floor.outbox." + outbox.getAttribute("data-user");
  var sending = false;
  var retryTimer = null;

  function load() {
    try {
      var saved = JSON.parse(localStorage.getItem(storeKey) || "{}");
      return { pending: saved.pending || [], refused: saved.refused || [] };
    } catch (e) {
      return { pending: [], refused: [] };
    }
  }

  var box = load();

  // Another tab of the same user may have changed the outbox: always start from what is
  // stored, change it, and store it again, so no tab overwrites another's taps.
  function mutate(change) {
    box = load();
    change(box);
    localStorage.setItem(storeKey, JSON.stringify(box));
    render();
  }

  window.addEventListener("storage", function (event) {
    if (event.key === storeKey) { box = load(); render(); send(); }
  });

  function randomKey() {
    var bytes = new Uint8Array(16);
    (window.crypto || window.msCrypto).getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }

  function label(name) { return outbox.getAttribute("data-label-" + name) || name; }

  function render() {
    var pendingList = outbox.querySelector(".outbox-pending");
    var refusedList = outbox.querySelector(".outbox-refused");
    pendingList.textContent = "";
    refusedList.textContent = "";
    box.pending.forEach(function (task) {
      var li = document.createElement("li");
      li.className = "pending";
      var chip = document.createElement("span");
      chip.className = "chip pending-chip";
      chip.textContent = label("pending");
      li.appendChild(chip);
      li.appendChild(document.createTextNode(" " + task.label));
      if (task.problem) {
        var note = document.createElement("span");
        note.className = "muted";
        note.textContent = " — " + task.problem + " ";
        li.appendChild(note);
        // A tap the server keeps failing on must not hold up the others for ever.
        var discard = document.createElement("button");
        discard.type = "button";
        discard.className = "secondary";
        discard.textContent = label("discard");
        discard.addEventListener("click", function () {
          mutate(function (b) {
            b.pending = b.pending.filter(function (t) { return t.key !== task.key; });
          });
          send();
        });
        li.appendChild(discard);
      }
      pendingList.appendChild(li);
    });
    box.refused.forEach(function (task, index) {
      var li = document.createElement("li");
      li.className = "refused";
      var strong = document.createElement("strong");
      strong.textContent = task.label;
      li.appendChild(strong);
      li.appendChild(document.createTextNode(": " + task.reason + " "));
      var dismiss = document.createElement("button");
      dismiss.type = "button";
      dismiss.className = "secondary";
      dismiss.textContent = label("dismiss");
      dismiss.addEventListener("click", function () {
        mutate(function (b) {
          b.refused = b.refused.filter(function (t) { return t.key !== task.key; });
        });
      });
      li.appendChild(dismiss);
      refusedList.appendChild(li);
    });
    outbox.querySelector(".outbox-refused-title").hidden = !box.refused.length;
    // "Waiting to be sent" is said only when something is.
    outbox.querySelectorAll(".outbox-pending-title").forEach(function (node) {
      node.hidden = !box.pending.length;
    });
    outbox.hidden = !box.pending.length && !box.refused.length;
    // Mark the cards with taps on their way.
    document.querySelectorAll(".floor-card").forEach(function (card) {
      var waiting = box.pending.some(function (t) { return t.step === card.getAttribute("data-step"); });
      card.classList.toggle("has-pending", waiting);
      var badge = card.querySelector(".pending-badge");
      if (waiting && !badge) {
        badge = document.createElement("span");
        badge.className = "chip pending-badge";
        badge.textContent = label("pending");
        card.querySelector(".chips, .floor-card-top").appendChild(badge);
      } else if (!waiting && badge) {
        badge.remove();
      }
    });
  }

  function csrfToken() {
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    if (match) return decodeURIComponent(match[1]);
    var field = document.querySelector("input[name=csrfmiddlewaretoken]");
    return field ? field.value : "";
  }

  function value(form, name) {
    var field = form.elements.namedItem(name);
    return field ? field.value : "";
  }

  function bodyFor(form) {
    var kind = form.getAttribute("data-kind");
    var number = function (name) { return parseInt(value(form, name), 10); };
    if (kind === "done") return { good: number("good"), scrap: number("scrap") || 0 };
    if (kind === "hold") {
      // The reason goes as its code; each reader sees its label in their own language.
      var chosen = form.querySelector("input[name=reason]:checked");
      return { reason: chosen ? chosen.value : "", note: value(form, "note").trim() };
    }
    if (kind === "ship") {
      return { quantity: number("quantity"), to_step: value(form, "to_step") || null, note: "" };
    }
    if (kind === "receive") return { quantity: number("quantity"), note: "" };
    return {};
  }

  // An API error is {detail, code, fields} (docs/API.md): the detail and every field's messages.
  function reasonFrom(data) {
    if (!data || typeof data !== "object") return "";
    var parts = typeof data.detail === "string" ? [data.detail] : [];
    var fields = data.fields && typeof data.fields === "object" ? data.fields : {};
    Object.keys(fields).forEach(function (key) {
      (Array.isArray(fields[key]) ? fields[key] : []).forEach(function (message) {
        if (parts.indexOf(message) < 0) parts.push(message);
      });
    });
    return parts.join(" ");
  }

  function enqueue(form) {
    // Every tap gets a key of its own, made here; it stays with the task, so each retry of
    // that task is applied once. The key the server rendered into the form is for posting it
    // without JavaScript: it is not fresh. The worker's copy of the page (and a browser that
    // restores a form) brings back the same rendered key on every load, and two taps sent
    // under one key would be applied once: the second lost.
    var task = {
      key: randomKey(),
      url: form.getAttribute("data-api"),
      body: bodyFor(form),
      label: form.getAttribute("data-label"),
      step: form.getAttribute("data-step"),
      at: new Date().toISOString()
    };
    // A double tap: the button rests for a moment.
    form.querySelectorAll("button[type=submit]").forEach(function (button) {
      button.disabled = true;
      setTimeout(function () { button.disabled = false; }, 1500);
    });
    mutate(function (b) { b.pending.push(task); });
    send();
  }

  function note(task, problem) {
    mutate(function (b) {
      b.pending.forEach(function (t) { if (t.key === task.key) t.problem = problem; });
    });
  }

  function later(ms) {
    clearTimeout(retryTimer);
    retryTimer = setTimeout(send, ms);
  }

  function send() {
    box = load();
    if (sending || !box.pending.length) return;
    sending = true;
    var task = box.pending[0];
    fetch(task.url, {
      method: "POST",
      credentials: "same-origin",
      headers: {
        "Content-Type": "application/json",
        Accept: "application/json",
        "X-CSRFToken": csrfToken(),
        "Idempotency-Key": task.key
      },
      body: JSON.stringify(task.body)
    })
      .then(function (response) {
        if (response.ok) {
          mutate(function (b) {
            b.pending = b.pending.filter(function (t) { return t.key !== task.key; });
          });
          if (window.shopnetLive) window.shopnetLive.refresh();
          return "next";
        }
        if (response.status === 401 || response.status === 403) {
          // Signed out (or the session expired): keep the tap until the user signs in again.
          note(task, label("signin"));
          return "wait";
        }
        if (response.status >= 400 && response.status < 500 && response.status !== 408 && response.status !== 429) {
          return response.json().catch(function () { return null; }).then(function (data) {
            task.reason = reasonFrom(data) || label("refused");
            mutate(function (b) {
              b.pending = b.pending.filter(function (t) { return t.key !== task.key; });
              b.refused.push(task);
            });
            if (window.shopnetLive) window.shopnetLive.refresh();
            return "next";
          });
        }
        note(task, label("failed"));
        return "wait";
      })
      .catch(function () { return "wait"; })
      .then(function (outcome) {
        sending = false;
        if (outcome === "next") send();
        else later(5000);
      });
  }

  // --- the number pad --------------------------------------------------------------------------

  var pad = document.getElementById("numpad");
  var padForm = null;
  var padFields = [];
  var padActive = 0;

  function padRender() {
    var holder = pad.querySelector(".numpad-fields");
    holder.textContent = "";
    padFields.forEach(function (entry, index) {
      var button = document.createElement("button");
      button.type = "button";
      button.className = "numpad-display" + (index === padActive ? " active" : "");
      var name = document.createElement("span");
      name.textContent = entry.label;
      var number = document.createElement("strong");
      number.textContent = entry.value === "" ? "0" : entry.value;
      button.appendChild(name);
      button.appendChild(number);
      button.addEventListener("click", function () { padActive = index; padRender(); });
      holder.appendChild(button);
    });
  }

  function openPad(form, names, title) {
    padForm = form;
    padFields = names.map(function (name) {
      var input = form.elements.namedItem(name);
      var fieldLabel = form.querySelector("label[for='" + input.id + "']");
      return { name: name, value: input.value, label: fieldLabel ? fieldLabel.textContent.replace(/\s*\*\s*$/, "").trim() : name, fresh: true };
    });
    padActive = 0;
    pad.querySelector("#numpad-title").textContent = title;
    padRender();
    if (pad.showModal) pad.showModal(); else pad.setAttribute("open", "");
  }

  function closePad() {
    if (pad.close) pad.close(); else pad.removeAttribute("open");
    padForm = null;
  }

  if (pad) {
    pad.addEventListener("click", function (event) {
      var key = event.target.closest("[data-key]");
      if (key) {
        var entry = padFields[padActive];
        var k = key.getAttribute("data-key");
        if (k === "clear") entry.value = "";
        else if (k === "back") entry.value = entry.value.slice(0, -1);
        else if (entry.value.length < 7) entry.value = (entry.fresh ? "" : entry.value.replace(/^0+/, "")) + k;
        entry.fresh = false;
        padRender();
        return;
      }
      if (event.target.closest("[data-numpad-cancel]")) { closePad(); return; }
      if (event.target.closest("[data-numpad-ok]") && padForm) {
        var form = padForm;
        padFields.forEach(function (entry) {
          form.elements.namedItem(entry.name).value = entry.value === "" ? "0" : entry.value;
        });
        closePad();
        enqueue(form);
      }
    });
  }

  document.addEventListener("submit", function (event) {
    var form = event.target.closest("form[data-queue]");
    if (!form) return;
    event.preventDefault();
    var submitter = event.submitter || form.querySelector("[data-numpad]");
    var numpad = submitter && submitter.getAttribute("data-numpad");
    if (numpad && pad) {
      openPad(form, numpad.split(" "), form.getAttribute("data-label"));
      return;
    }
    if (!form.reportValidity()) return;
    enqueue(form);
  });

  window.addEventListener("online", send);
  document.addEventListener("shopnet:hello", send);
  document.addEventListener("shopnet:refreshed", render);
  render();
  send();
  setInterval(function () { if (box.pending.length) send(); }, 10000);
})();
