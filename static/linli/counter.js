// "还可输入 N 字" under every textarea (and input marked data-counter) that has a maxlength. A static file
// because the Content-Security-Policy allows no inline scripts.
(function () {
  function attach(field) {
    if (field.dataset.counterReady) { return; }
    var limit = parseInt(field.getAttribute("maxlength"), 10);
    if (!limit) { return; }
    field.dataset.counterReady = "1";
    var note = document.createElement("small");
    note.className = "form-hint text-end linli-counter";
    note.setAttribute("aria-live", "polite");
    field.insertAdjacentElement("afterend", note);
    function update() {
      var left = limit - Array.from(field.value).length;
      note.textContent = "最多 " + limit + " 字，还可输入 " + Math.max(left, 0) + " 字";
      note.classList.toggle("text-danger", left <= Math.min(20, limit / 10));
    }
    field.addEventListener("input", update);
    update();
  }
  function scan(root) {
    (root || document).querySelectorAll("textarea[maxlength], input[data-counter][maxlength]").forEach(attach);
  }
  document.addEventListener("DOMContentLoaded", function () { scan(); });
  document.addEventListener("htmx:afterSwap", function (event) { scan(event.target); });
})();
