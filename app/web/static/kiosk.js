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

// Offline kiosk (README "The kiosk without network"): every kiosk page registers the service
// worker /static/kiosk-sw.js for the /k/ scope, asks it to keep this counter's form and
// offline thank-you page in both languages, and to send the ratings stored while the network
// was down: now, when the browser says it is online again, and every 30 seconds.
(function () {
  "use strict";
  var base = document.body && document.body.getAttribute("data-kiosk");
  if (!base || !("serviceWorker" in navigator) || !window.isSecureContext) { return; }
  var container = navigator.serviceWorker;
  function tell(message) {
    container.ready.then(function (reg) {
      if (reg.active) { reg.active.postMessage(message); }
    });
  }
  function flush() { tell({ type: "flush" }); }
  container.register("/static/kiosk-sw.js", { scope: "/k/" }).then(function () {
    tell({
      type: "prepare",
      urls: [base + "?lang=id", base + "?lang=en",
             base + "/tersimpan?lang=id", base + "/tersimpan?lang=en"]
    });
    flush();
    // Ask that the queue is not evicted when storage runs short (the browser may say no).
    if (navigator.storage && navigator.storage.persist) {
      navigator.storage.persist().catch(function () {});
    }
  }, function (error) {
    if (window.console) { window.console.warn("suara kiosk: no offline mode", error); }
  });
  // `online` can come a moment before the connection carries traffic: try a few times.
  window.addEventListener("online", function () {
    [0, 2000, 6000, 15000].forEach(function (ms) { setTimeout(flush, ms); });
  });
  setInterval(flush, 30000);
}());

// Offline the server cannot check a rating before it is stored on the tablet, and a rating
// it later refuses would be lost after the citizen was thanked: so, while the browser knows
// it is offline, too few answers are caught here, with the server's own message (from the
// form's data attributes). Online the server checks, as on the phone form.
(function () {
  "use strict";
  var form = document.querySelector("form[data-min-answered]");
  if (!form) { return; }
  var least = parseInt(form.getAttribute("data-min-answered"), 10);
  var text = form.getAttribute("data-too-few");
  form.addEventListener("submit", function (event) {
    if (navigator.onLine || !(least > 0) || !text) { return; }
    var answered = {};
    var checked = form.querySelectorAll(".opts input[type=radio]:checked");
    for (var i = 0; i < checked.length; i += 1) { answered[checked[i].name] = true; }
    if (Object.keys(answered).length >= least) { return; }
    event.preventDefault();
    var box = document.getElementById("offline-check");
    if (!box) {
      box = document.createElement("div");
      box.id = "offline-check";
      box.className = "alert";
      box.setAttribute("role", "alert");
      box.tabIndex = -1;
      form.insertBefore(box, form.firstChild);
    }
    box.textContent = text;
    box.focus();
  });
}());
