/* Small progressive enhancements; every page works without JavaScript. */
(function () {
  "use strict";
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
}());
