// Study time: while the page is visible, tell the server every 30 s how long the resident has studied.
(function () {
  "use strict";
  var card = document.querySelector("[data-study-beat]");
  if (!card) return;
  var url = card.getAttribute("data-study-beat");
  var minutesEl = document.querySelector("[data-study-minutes]");
  var stateEl = document.querySelector("[data-study-state]");
  var csrf = card.getAttribute("data-csrf") || "";
  var counted = 0;
  var last = Date.now();

  function tick() {
    var now = Date.now();
    if (document.visibilityState === "visible") counted += Math.min(now - last, 60000) / 1000;
    last = now;
  }

  function send() {
    tick();
    var seconds = Math.floor(counted);
    if (seconds < 1) return;
    counted -= seconds;
    var body = new URLSearchParams({ seconds: String(seconds) });
    fetch(url, { method: "POST", body: body, credentials: "same-origin", headers: { "X-CSRFToken": csrf } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) {
        if (!data) return;
        if (minutesEl) minutesEl.textContent = data.minutes;
        if (data.completed && stateEl) { stateEl.textContent = "已完成学习"; stateEl.className = "small text-green"; }
      })
      .catch(function () { counted += seconds; });
  }

  document.addEventListener("visibilitychange", function () {
    tick();
    if (document.visibilityState === "hidden") send();
  });
  setInterval(send, 30000);
})();
