/* The dashboard's own behaviour, bound through data- attributes.
 *
 * Live: live.js re-reads the live panels on each `district.update`. The server sends at most one
 * message per period (data-update-every seconds) per district and drops the rest, so after each
 * message the panels are re-read once more a period later: a change folded into a quiet period
 * still shows. Pending: while the figures of a new view are computed, their progress is polled
 * and the page opened again when they are there. Print: buttons with data-print open every
 * table and print.
 */
(function () {
  "use strict";
  var root = document.querySelector("[data-dashboard]");
  if (!root) return;
  var every = Math.max(1, parseInt(root.getAttribute("data-update-every"), 10) || 10) * 1000;
  var trailing = null;

  document.addEventListener("shopnet:district", function () {
    clearTimeout(trailing);
    trailing = setTimeout(function () {
      if (window.shopnetLive) window.shopnetLive.refresh();
    }, every + 500);
  });

  // A view nobody had opened yet: its figures are computed on the server; show how far that
  // has come, and open the page again when they are all there.
  var pending = root.querySelector("[data-pending]");
  if (pending) {
    var bar = pending.querySelector("[data-progress]");
    var done = pending.querySelector("[data-done]");
    var slow = pending.querySelector("[data-pending-slow]");
    var since = Date.now();
    var stop = function () { slow.hidden = false; };
    var next = function () {
      var waited = Date.now() - since;
      if (waited > 60000) slow.hidden = false;
      // After ten minutes the reload link is all there is.
      if (waited > 600000) return;
      setTimeout(poll, waited > 60000 ? 5000 : 1000);
    };
    var poll = function () {
      fetch(window.location.href, {
        headers: { "X-Shopnet-Progress": "1", "Accept": "application/json" },
        credentials: "same-origin",
        cache: "no-store"
      })
        .then(function (response) {
          var type = response.headers.get("Content-Type") || "";
          // Signed out, refused or a changed address: asking again will not help.
          if (response.redirected || type.indexOf("application/json") !== 0) return stop();
          if (response.status >= 400 && response.status < 500) return stop();
          if (!response.ok) return next();
          return response.json().then(function (progress) {
            bar.value = progress.done;
            done.textContent = progress.done;
            if (progress.ready) window.location.reload();
            else next();
          });
        })
        .catch(next);
    };
    next();
  }

  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.addEventListener("click", function () {
      document.querySelectorAll("details.table-behind").forEach(function (d) { d.open = true; });
      window.print();
    });
  });
  window.addEventListener("beforeprint", function () {
    document.querySelectorAll("details.table-behind").forEach(function (d) { d.open = true; });
  });
})();
