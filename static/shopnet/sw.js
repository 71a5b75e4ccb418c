// shopnet's service worker, part one: the tablet app's copy for when the Wi-Fi is down.
// Served from /sw.js by shopnet/app_shell.py, which sets self.SHOPNET first and appends the
// notifications' push handlers (static/notifications/sw.js): one worker for the whole site.
//
// - The files the floor station needs (SHOPNET.shell) are fetched when the worker installs and
//   answered from the copy; a new worker (any of them changed) brings new copies.
// - A floor page is asked of the network first; what it answers is kept. When the network
//   fails, or keeps the tablet waiting, the last copy is shown, marked as a copy (the page then
//   says it is offline and how old its queue is). The taps waiting to be sent live in the
//   page's own storage (floor.js), so the copy shows them too.
// - Signing out drops the copies of the floor pages.
(function () {
  "use strict";
  var config = self.SHOPNET || { version: "0", shell: [], pages: [], logout: "" };
  var SHELL = "shopnet-shell-" + config.version;
  var PAGES = "shopnet-pages";
  var NETWORK_WAIT = 4000; // ms a reload waits for the network before it shows the copy

  function absolute(path) { return new URL(path, self.location.origin).href; }
  var shellFiles = config.shell.map(absolute);

  self.addEventListener("install", function (event) {
    event.waitUntil(
      caches.open(SHELL).then(function (cache) {
        return Promise.all(shellFiles.map(function (url) {
          return cache.add(url).catch(function () { /* kept the first time a page asks */ });
        }));
      }).then(function () { return self.skipWaiting(); })
    );
  });

  self.addEventListener("activate", function (event) {
    event.waitUntil(
      caches.keys().then(function (names) {
        return Promise.all(names.filter(function (name) {
          return name.indexOf("shopnet-shell-") === 0 && name !== SHELL;
        }).map(function (name) { return caches.delete(name); }));
      }).then(function () { return self.clients.claim(); })
    );
  });

  function isFloorPage(url) {
    return config.pages.indexOf(url.pathname) >= 0;
  }

  function keep(url, response) {
    var type = response.headers.get("Content-Type") || "";
    if (!response.ok || response.redirected || type.indexOf("text/html") !== 0) {
      return Promise.resolve();
    }
    return caches.open(PAGES).then(function (cache) { return cache.put(url, response); });
  }

  // The kept page, marked as a copy: the page's notice reads data-served.
  function copyOf(url) {
    return caches.open(PAGES)
      .then(function (cache) { return cache.match(url); })
      .then(function (hit) {
        if (!hit) return null;
        return hit.text().then(function (html) {
          return new Response(html.replace('data-served="network"', 'data-served="copy"'), {
            status: 200,
            headers: { "Content-Type": hit.headers.get("Content-Type") || "text/html" },
          });
        });
      });
  }

  function floorPage(event) {
    var url = event.request.url;
    var network = fetch(event.request);
    event.waitUntil(network.then(function (response) {
      return keep(url, response.clone());
    }).catch(function () {}));
    return new Promise(function (resolve) {
      var answered = false;
      function answer(response) {
        if (!answered && response) { answered = true; resolve(response); }
      }
      var timer = setTimeout(function () { copyOf(url).then(answer); }, NETWORK_WAIT);
      network.then(function (response) {
        clearTimeout(timer);
        answer(response);
      }, function () {
        clearTimeout(timer);
        copyOf(url).then(function (copy) { answer(copy || Response.error()); });
      });
    });
  }

  function shellFile(request) {
    return caches.open(SHELL).then(function (cache) {
      return cache.match(request).then(function (hit) {
        if (hit) return hit;
        return fetch(request).then(function (response) {
          if (response.ok) cache.put(request, response.clone());
          return response;
        });
      });
    });
  }

  self.addEventListener("fetch", function (event) {
    var request = event.request;
    var url = new URL(request.url);
    if (url.origin !== self.location.origin) return;
    if (request.method === "POST" && url.pathname === config.logout) {
      // Whoever signs out leaves no copy of their floor on the tablet.
      event.waitUntil(caches.delete(PAGES));
      return;
    }
    if (request.method !== "GET") return;
    if (request.mode === "navigate" && isFloorPage(url)) {
      event.respondWith(floorPage(event));
    } else if (shellFiles.indexOf(url.href) >= 0) {
      event.respondWith(shellFile(request));
    }
  });

  // A page opened before this worker took control hands over its own copy to be kept.
  self.addEventListener("message", function (event) {
    var data = event.data || {};
    if (data.type !== "keep-page" || typeof data.url !== "string" || typeof data.html !== "string") {
      return;
    }
    var url = new URL(data.url, self.location.origin);
    if (url.origin !== self.location.origin || !isFloorPage(url)) return;
    var copy = new Response(data.html, { headers: { "Content-Type": "text/html; charset=utf-8" } });
    event.waitUntil(caches.open(PAGES).then(function (cache) { return cache.put(url.href, copy); }));
  });
})();
