// The discussion pages' small enhancements; every page works without them.
(function () {
  "use strict";

  // "复制" beside a share link: copy the link, say so on the button for a moment.
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-copy]");
    if (!button) { return; }
    var input = document.getElementById(button.getAttribute("data-copy"));
    if (!input) { return; }
    input.select();
    var done = function () {
      var label = button.textContent;
      button.textContent = button.getAttribute("data-copied") || label;
      window.setTimeout(function () { button.textContent = label; }, 1500);
    };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(input.value).then(done, function () {});
    } else if (document.execCommand && document.execCommand("copy")) {
      done();
    }
  });

  // After a code was sent, the "获取验证码" button waits out the resend interval with a countdown.
  function coolDown(status) {
    var seconds = parseInt(status.getAttribute("data-cooldown"), 10);
    var form = status.closest("form");
    var button = form && form.querySelector("[data-send-code]");
    if (!button || !seconds) { return; }
    var label = button.getAttribute("data-label") || button.textContent;
    button.setAttribute("data-label", label);
    var template = button.getAttribute("data-wait-label") || "%s";
    button.disabled = true;
    var tick = function () {
      if (seconds <= 0) {
        button.disabled = false;
        button.textContent = label;
        return;
      }
      button.textContent = template.replace("%s", String(seconds));
      seconds -= 1;
      window.setTimeout(tick, 1000);
    };
    tick();
  }

  function watchCode() {
    var status = document.getElementById("code-status");
    if (status && status.hasAttribute("data-cooldown") && !status.hasAttribute("data-counting")) {
      status.setAttribute("data-counting", "");
      coolDown(status);
    }
  }
  document.addEventListener("htmx:afterSettle", watchCode);
  document.addEventListener("DOMContentLoaded", watchCode);
})();
