// The preferences page's "Allow on this device": registers the service worker, subscribes the
// browser with the site's VAPID public key and hands the subscription to the server.
(function () {
  "use strict";
  var box = document.querySelector("[data-push]");
  if (!box || !box.dataset.vapid) return;
  var status = box.querySelector("[data-push-status]");
  var csrf = (document.cookie.match(/(?:^|; )csrftoken=([^;]+)/) || [])[1] || "";

  function say(which) { if (status) status.textContent = status.dataset[which] || ""; }

  function keyBytes(base64url) {
    var padded = (base64url + "===".slice((base64url.length + 3) % 4)).replace(/-/g, "+").replace(/_/g, "/");
    var raw = atob(padded);
    var bytes = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) bytes[i] = raw.charCodeAt(i);
    return bytes;
  }

  if (!("serviceWorker" in navigator) || !("PushManager" in window)) { say("unsupported"); return; }

  function registration() { return navigator.serviceWorker.register(box.dataset.sw, { scope: "/" }); }

  registration().then(function (reg) { return reg.pushManager.getSubscription(); })
    .then(function (sub) { say(sub ? "on" : "off"); })
    .catch(function () { say("unsupported"); });

  box.querySelector("[data-push-on]").addEventListener("click", function () {
    Notification.requestPermission().then(function (permission) {
      if (permission !== "granted") { say("denied"); return null; }
      return registration().then(function (reg) {
        return reg.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: keyBytes(box.dataset.vapid) });
      }).then(function (sub) {
        var body = sub.toJSON();
        body.device = navigator.userAgent.slice(0, 200);
        return fetch(box.dataset.api, {
          method: "POST", credentials: "same-origin",
          headers: { "Content-Type": "application/json", "X-CSRFToken": csrf },
          body: JSON.stringify(body),
        });
      }).then(function (r) { if (r) say(r.ok ? "on" : "off"); });
    });
  });

  box.querySelector("[data-push-off]").addEventListener("click", function () {
    registration().then(function (reg) { return reg.pushManager.getSubscription(); })
      .then(function (sub) { return sub ? sub.unsubscribe() : null; })
      .then(function () { say("off"); window.location.reload(); });
  });
})();
