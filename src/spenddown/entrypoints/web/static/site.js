/* Small progressive enhancements; every page works without JavaScript. */
(function () {
  "use strict";
  document.documentElement.classList.add("js");
  document.addEventListener("click", function (event) {
    var button = event.target.closest("button");
    if (!button) { return; }
    if (button.classList.contains("copy")) {
      var source = document.getElementById(button.getAttribute("data-copy"));
      var status = button.parentNode.querySelector(".copied");
      var text = source ? source.textContent.trim() : "";
      var done = function () { if (status) { status.textContent = button.getAttribute("data-copied"); } };
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(text).then(done, function () { selectText(source); });
      } else {
        selectText(source);
        try { document.execCommand("copy"); done(); } catch (e) { /* selected for Ctrl+C */ }
      }
    } else if (button.classList.contains("print")) {
      window.print();
    }
  });
  function selectText(node) {
    if (!node) { return; }
    var range = document.createRange();
    range.selectNodeContents(node);
    var selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
  }

  /* The error summary takes the focus (GOV.UK pattern), also where autofocus is ignored. */
  var summary = document.querySelector(".error-summary");
  var first = summary || document.querySelector("main [autofocus]");
  if (first && document.activeElement !== first) { first.focus(); }

  /* Session timeout: a warning before the credential's 15 idle minutes end, which keeps the
     page (and what is typed in it) and offers to stay signed in. */
  var warning = document.getElementById("timeout-warning");
  if (warning) {
    var seconds = parseInt(warning.getAttribute("data-seconds"), 10) || 900;
    var before = parseInt(warning.getAttribute("data-warn"), 10) || 120;
    var timer = null;
    var arm = function () {
      if (timer) { window.clearTimeout(timer); }
      timer = window.setTimeout(function () {
        warning.hidden = false;
        var stay = document.getElementById("timeout-stay");
        if (stay) { stay.focus(); }
      }, Math.max(seconds - before, 1) * 1000);
    };
    document.getElementById("timeout-stay").addEventListener("click", function () {
      var body = new FormData();
      body.append("csrf_token", warning.getAttribute("data-csrf"));
      fetch("/session/keep-alive", { method: "POST", body: body, credentials: "same-origin" })
        .then(function (response) {
          if (response.ok) { warning.hidden = true; arm(); }
        });
    });
    arm();
  }
}());
