// The article editor: a live character count, and a guard against handing in (or leaving) unsaved text.
// Saving itself is htmx (the form's hx-post to the autosave view); the page works without this file.
(function () {
  "use strict";

  // Characters that count towards the length, as the server counts them: everything but whitespace.
  function countChars(text) {
    return Array.from(text.replace(/\s+/g, "")).length;
  }

  function updateCount(textarea) {
    var field = textarea.closest(".field");
    var counter = field && field.querySelector("[data-char-count]");
    if (!counter) { return; }
    var n = countChars(textarea.value);
    var number = counter.querySelector("[data-char-number]");
    if (number) { number.textContent = String(n); }
    var max = parseInt(counter.getAttribute("data-max"), 10);
    counter.classList.toggle("error", !isNaN(max) && n > max);
  }

  // Edits made since the last successful save of the autosaving form.
  var edits = 0;
  var savedEdits = 0;
  var sentEdits = 0;

  function dirty() { return edits !== savedEdits; }

  document.addEventListener("input", function (event) {
    var target = event.target;
    if (target.matches && target.matches("textarea[data-char-source]")) { updateCount(target); }
    if (target.form && target.form.matches("form[data-autosave]")) { edits += 1; }
  });

  document.addEventListener("htmx:beforeRequest", function (event) {
    if (event.target.matches && event.target.matches("form[data-autosave]")) { sentEdits = edits; }
  });
  document.addEventListener("htmx:afterSettle", function () {
    var status = document.getElementById("autosave-status");
    if (status && status.getAttribute("data-state") === "saved") { savedEdits = sentEdits; }
  });

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.matches("form[data-submit-article]") && dirty()) {
      event.preventDefault();
      window.alert(form.getAttribute("data-unsaved") || "还有未保存的修改：请先点“保存”，再提交。");
      return;
    }
    // Saving by hand or replacing the text from a file: what was typed is dealt with.
    if (form.matches("form[data-autosave], form[data-replaces-text]")) { savedEdits = edits; }
  });

  window.addEventListener("beforeunload", function (event) {
    if (document.querySelector("form[data-autosave]") && dirty()) {
      event.preventDefault();
      event.returnValue = "";
    }
  });

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("textarea[data-char-source]").forEach(updateCount);
  });
})();
