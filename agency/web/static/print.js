/* The "print" button of the project page: shown and bound only when JavaScript runs (no inline handlers,
   so that a strict Content-Security-Policy stays possible). Ctrl+P prints the same A4 summary. */
(function () {
  "use strict";
  Array.prototype.forEach.call(document.querySelectorAll("button[data-print]"), function (button) {
    button.hidden = false;
    button.addEventListener("click", function () { window.print(); });
  });
})();
