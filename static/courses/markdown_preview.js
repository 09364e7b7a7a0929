/* A "Preview" button under each Markdown textarea of the authoring tool: it posts the text
   to the preview endpoint and shows the sanitized HTML learners will see. Without
   JavaScript the textareas work as they are. */
(function () {
  "use strict";

  var SELECTOR = "textarea[data-markdown-preview-url]";

  function csrfToken() {
    var input = document.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function inTemplate(textarea) {
    // The admin's hidden "add another" row is cloned later; its copy is set up on formset:added.
    return textarea.closest(".empty-form") !== null || textarea.name.indexOf("__prefix__") !== -1;
  }

  function attach(textarea) {
    if (textarea.dataset.markdownPreviewReady || inTemplate(textarea)) {
      return;
    }
    textarea.dataset.markdownPreviewReady = "true";

    var box = document.createElement("div");
    box.className = "markdown-preview";
    var button = document.createElement("button");
    button.type = "button";
    button.className = "markdown-preview-button";
    button.textContent = textarea.dataset.markdownPreviewButton || "Preview";
    var output = document.createElement("div");
    output.className = "markdown-preview-output";
    output.id = textarea.id + "_preview";
    output.hidden = true;
    output.setAttribute("aria-live", "polite");
    button.setAttribute("aria-controls", output.id);
    var label = document.querySelector("label[for='" + textarea.id + "']");
    if (label) {
      var ariaLabel = textarea.dataset.markdownPreviewAriaLabel || "Preview {field}";
      button.setAttribute(
        "aria-label",
        ariaLabel.replace("{field}", label.textContent.replace(/:\s*$/, ""))
      );
    }
    box.appendChild(button);
    box.appendChild(output);

    button.addEventListener("click", function () {
      var body = new URLSearchParams();
      body.set("text", textarea.value);
      button.disabled = true;
      fetch(textarea.dataset.markdownPreviewUrl, {
        method: "POST",
        credentials: "same-origin",
        headers: { "X-CSRFToken": csrfToken() },
        body: body
      })
        .then(function (response) {
          if (!response.ok) {
            throw new Error(String(response.status));
          }
          return response.text();
        })
        .then(function (html) {
          // The server sanitizes the HTML (nh3) before sending it.
          output.innerHTML = html;
        })
        .catch(function () {
          output.textContent =
            textarea.dataset.markdownPreviewUnavailable ||
            "The preview is not available right now; your text is safe.";
        })
        .finally(function () {
          output.hidden = false;
          button.disabled = false;
        });
    });

    var anchor = textarea.closest(".flex-container") || textarea;
    anchor.insertAdjacentElement("afterend", box);
  }

  function attachWithin(root) {
    root.querySelectorAll(SELECTOR).forEach(attach);
  }

  document.addEventListener("DOMContentLoaded", function () {
    attachWithin(document);
  });
  document.addEventListener("formset:added", function (event) {
    attachWithin(event.target);
  });
})();
