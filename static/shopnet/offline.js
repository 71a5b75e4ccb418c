// The tablet app on every page: registers the site's service worker (shopnet/sw.js). On the
// floor station it also shows the offline notice while the network is down or while the page
// is the copy the worker kept, until the live stream says hello again.
(function () {
  "use strict";
  var meta = document.querySelector("meta[name=shopnet-sw]");
  var notice = document.querySelector("[data-offline-notice]");
  // The page as the server sent it, before the other scripts change it (this one runs first):
  // what the worker keeps of a floor page it did not fetch itself.
  var source = notice ? "<!DOCTYPE html>\n" + document.documentElement.outerHTML : "";

  if (meta && "serviceWorker" in navigator) {
    navigator.serviceWorker.register(meta.content, { scope: "/" }).then(function () {
      return navigator.serviceWorker.ready;
    }).then(function (registration) {
      // The first visit is not yet under the worker: hand it this floor page to keep, so that
      // one visit is enough (without asking the server for the page a second time).
      if (notice && !navigator.serviceWorker.controller && registration.active) {
        registration.active.postMessage({ type: "keep-page", url: location.href, html: source });
      }
    }).catch(function () { /* no worker: the site works as before, online only */ });
  }

  if (!notice) return;
  var copy = notice.getAttribute("data-served") === "copy";
  function show() { notice.hidden = !(copy || !navigator.onLine); }
  window.addEventListener("offline", show);
  window.addEventListener("online", show);
  // The stream's hello is followed by a fresh read of the queue: the page is no longer a copy.
  document.addEventListener("shopnet:hello", function () { copy = false; show(); });
  show();
})();
