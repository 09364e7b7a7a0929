/* The studio's live learner preview: after each pause in typing, the whole (unsaved) form
   is posted to the preview endpoint and the answer replaces the preview beside it. The
   form is never submitted or reloaded, so no edit is lost; without JavaScript the preview
   shows the saved version. */
(function () {
  "use strict";

  var DELAY_MS = 400;

  function start() {
    var panel = document.getElementById("studio-preview");
    var form = document.getElementById("micromasteryversion_form");
    var status = document.getElementById("studio-preview-status");
    if (!panel || !form || !panel.dataset.previewUrl) {
      return;
    }
    var timer = null;
    var latest = 0;

    function refresh() {
      var sent = ++latest;
      var body = new FormData(form);
      body.delete("_publish");
      fetch(panel.dataset.previewUrl, { method: "POST", credentials: "same-origin", body: body })
        .then(function (response) {
          if (!response.ok) {
            throw new Error(String(response.status));
          }
          return response.text();
        })
        .then(function (html) {
          if (sent !== latest) {
            return; // an older answer arriving late
          }
          // Rendered by our server from sanitized Markdown and auto-escaped text.
          panel.innerHTML = html;
          panel.dataset.state = "fresh";
          status.textContent = status.dataset.freshText;
        })
        .catch(function () {
          panel.dataset.state = "stale";
          status.textContent = status.dataset.staleText;
        });
    }

    function later() {
      panel.dataset.state = "stale";
      window.clearTimeout(timer);
      timer = window.setTimeout(refresh, DELAY_MS);
    }

    form.addEventListener("input", later);
    form.addEventListener("change", later);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
