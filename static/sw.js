/* Micromastery's service worker: home, practice steps and quick logs open offline.
   Pages are fetched from the network first and kept for offline use; our static files are
   served from the cache first. POSTs are never touched: a repetition logged offline is
   queued by the page (static/js/app.js) and sent when the device is online again. */
"use strict";

var CACHE = "micromastery-pages-v1";
var OFFLINE_PAGES = [
  /^\/$/,
  /^\/enrollments\/\d+\/steps\/\d+\/(quick\/)?$/,
  /^\/q\/[^/]+\/$/,
];

self.addEventListener("install", function () {
  self.skipWaiting();
});

self.addEventListener("activate", function (event) {
  event.waitUntil(
    caches.keys().then(function (names) {
      return Promise.all(names.filter(function (name) { return name !== CACHE; })
        .map(function (name) { return caches.delete(name); }));
    }).then(function () { return self.clients.claim(); })
  );
});

function keepsOffline(url) {
  return OFFLINE_PAGES.some(function (pattern) { return pattern.test(url.pathname); });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  var url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin) {
    return;
  }
  if (url.pathname.indexOf("/static/") === 0) {
    event.respondWith(
      caches.match(request).then(function (cached) {
        return cached || fetch(request).then(function (response) {
          if (response.ok) {
            var copy = response.clone();
            caches.open(CACHE).then(function (cache) { cache.put(request, copy); });
          }
          return response;
        });
      })
    );
    return;
  }
  if (request.mode === "navigate" && keepsOffline(url)) {
    event.respondWith(
      fetch(request).then(function (response) {
        if (response.ok && !response.redirected) {
          var copy = response.clone();
          caches.open(CACHE).then(function (cache) { cache.put(request, copy); });
        }
        return response;
      }, function () {
        return caches.match(request).then(function (cached) {
          return cached || caches.match("/").then(function (home) {
            return home || Response.error();
          });
        });
      })
    );
  }
});
