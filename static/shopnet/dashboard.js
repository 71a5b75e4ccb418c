/* The dashboard's own behaviour, bound through data- attributes.
 *
 * Live: live.js re-reads the live panels on each `district.update`. The server sends at most one
 * message per period (data-update-every seconds) per district and drops the rest, so after each
 * message the panels are re-read once more a period later: a change folded into a quiet period
 * still shows. Print: buttons with data-print open every table and print.
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
