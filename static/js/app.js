/* Micromastery's own page script: focus on errors, the offline queue of repetitions and the
   service worker. Loaded with `defer` from base.html; every page works without it. */
(function () {
  "use strict";

  /* A failed submit: put the reader on the error summary at the top of the form. */
  var summary = document.querySelector("[data-error-summary]");
  var focusTarget = summary || document.querySelector("[data-focus-on-load]");
  if (focusTarget) {
    focusTarget.focus();
  }

  /* --- Repetitions logged offline -------------------------------------------------------
     A form marked data-offline-queue that is sent while the device is offline is kept in
     IndexedDB under its submission key and sent when the device is back online (the
     `online` event, or the next page load). The server logs one attempt per submission
     key, so a repetition sent twice (two tabs, a lost answer) is still logged once. */
  var DB_NAME = "micromastery";
  var STORE = "queued-repetitions";

  function openQueue() {
    return new Promise(function (resolve, reject) {
      if (!window.indexedDB) {
        reject(new Error("IndexedDB is not available"));
        return;
      }
      var request = window.indexedDB.open(DB_NAME, 1);
      request.onupgradeneeded = function () {
        request.result.createObjectStore(STORE, { keyPath: "key" });
      };
      request.onsuccess = function () { resolve(request.result); };
      request.onerror = function () { reject(request.error); };
    });
  }

  function withStore(mode, action) {
    return openQueue().then(function (db) {
      return new Promise(function (resolve, reject) {
        var transaction = db.transaction(STORE, mode);
        var result = action(transaction.objectStore(STORE));
        transaction.oncomplete = function () { resolve(result && result.result); };
        transaction.onerror = function () { reject(transaction.error); };
      });
    });
  }

  function say(form, text) {
    var status = (form && form.querySelector("[data-offline-status]")) ||
      document.querySelector("[data-sync-status]");
    if (status) {
      status.textContent = text;
    }
  }

  // Messages in the reader's language, given by the page (base.html); English otherwise.
  function text(name, english) {
    var status = document.querySelector("[data-sync-status]");
    return (status && status.dataset[name]) || english;
  }

  function queue(form, submitter) {
    var data = new FormData(form);
    if (submitter && submitter.name) {
      data.set(submitter.name, submitter.value);
    }
    var body = new URLSearchParams(data).toString();
    var url = form.action || window.location.href;
    // The page's submission key, or the link itself: a quick-log link logs one rep.
    var key = data.get("submission_key") || url;
    return withStore("readwrite", function (store) {
      return store.put({ key: key, url: url, body: body, queuedAt: Date.now() });
    }).then(function () {
      Array.prototype.forEach.call(form.querySelectorAll("button"), function (button) {
        button.disabled = true;
      });
      say(form, text("queued", "Saved on this device: your rep will be sent as soon as you are back online."));
    });
  }

  var syncing = false;

  function sync() {
    if (syncing || !navigator.onLine) {
      return Promise.resolve();
    }
    syncing = true;
    return withStore("readonly", function (store) { return store.getAll(); })
      .then(function (items) {
        return items.reduce(function (chain, item) {
          return chain.then(function () {
            return fetch(item.url, {
              method: "POST",
              body: item.body,
              credentials: "same-origin",
              headers: { "Content-Type": "application/x-www-form-urlencoded" },
            }).then(function (response) {
              // A refusal (an expired link, a dropped micromastery) will not change by
              // sending again; a server error or a lost connection stays queued.
              if (response.status >= 500) {
                return;
              }
              return withStore("readwrite", function (store) { return store.delete(item.key); })
                .then(function () {
                  say(null, response.ok
                    ? text("synced", "Synced: the rep you logged offline is saved.")
                    : text("syncRefused", "A rep logged offline could not be saved: open the step to log it again."));
                  document.querySelectorAll("[data-offline-status]").forEach(function (status) {
                    if (status.textContent) {
                      status.textContent = response.ok
                        ? text("repSynced", "Synced: your rep is saved.")
                        : text("repRefused", "This rep could not be saved: open the step to log it again.");
                    }
                  });
                });
            }, function () { /* Still offline: try again on the next `online` event. */ });
          });
        }, Promise.resolve());
      })
      .catch(function () { /* No IndexedDB: nothing was queued. */ })
      .then(function () { syncing = false; });
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches("[data-offline-queue]") || navigator.onLine) {
      return;
    }
    event.preventDefault();
    queue(form, event.submitter).catch(function () {
      say(form, text("cannotQueue", "You are offline and this browser cannot keep the rep: try again when online."));
    });
  });
  window.addEventListener("online", sync);
  sync();

  /* --- Installable and offline: the service worker caches the pages a learner opens;
     home also keeps today's steps, so they open offline before they were ever visited. */
  var script = document.querySelector("script[data-service-worker]");
  if (script && "serviceWorker" in navigator) {
    navigator.serviceWorker.register(script.dataset.serviceWorker, { scope: "/" })
      .then(function () {
        var pages = Array.prototype.map.call(
          document.querySelectorAll("a[data-offline-precache]"),
          function (link) { return link.href; }
        );
        if (pages.length && navigator.onLine && window.caches) {
          // The same cache as static/sw.js.
          return window.caches.open("micromastery-pages-v1").then(function (cache) {
            return cache.addAll(pages);
          });
        }
      })
      .catch(function () { /* The site still works online without it. */ });
  }
})();
