// Kiosk thank-you page: return to a fresh form for the next citizen after a while.
// WCAG 2.2.1 (Timing Adjustable): the countdown is visible from the start and a button
// gives the full time again, as often as wanted. Without JavaScript the page stays until
// someone taps "Back to the form" (no timed refresh).
(function () {
  "use strict";
  var box = document.getElementById("kiosk-return");
  if (!box) { return; }
  var url = box.getAttribute("data-url");
  var total = parseInt(box.getAttribute("data-seconds"), 10);
  var shown = box.querySelector("[data-left]");
  var more = box.querySelector("button");
  if (!url || !(total > 0) || !shown || !more) { return; }
  var left = total;
  shown.textContent = String(left);
  box.hidden = false;
  setInterval(function () {
    left -= 1;
    if (left <= 0) { window.location.replace(url); return; }
    shown.textContent = String(left);
  }, 1000);
  more.addEventListener("click", function () {
    left = total;
    shown.textContent = String(left);
  });
}());
