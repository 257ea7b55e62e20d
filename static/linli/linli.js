// Send Django's CSRF token with every htmx request (the token is in the page's forms).
document.addEventListener("htmx:configRequest", function (event) {
  var input = document.querySelector("input[name=csrfmiddlewaretoken]");
  if (input) { event.detail.headers["X-CSRFToken"] = input.value; }
});

// Tables become cards on a phone (see linli.css): label each cell with its column header, once, for every console
// table that has a header row; the shared list template already sets data-label on the server.
(function () {
  function label(table) {
    var heads = Array.prototype.map.call(table.querySelectorAll("thead th"), function (th) { return th.textContent.trim(); });
    if (!heads.length) { return; }
    table.classList.add("linli-cards");
    Array.prototype.forEach.call(table.querySelectorAll("tbody tr"), function (tr) {
      var i = 0;
      Array.prototype.forEach.call(tr.children, function (td) {
        if (!td.hasAttribute("data-label") && !td.hasAttribute("colspan")) { td.setAttribute("data-label", heads[i] || ""); }
        i += parseInt(td.getAttribute("colspan") || "1", 10);
      });
    });
  }
  function all(root) {
    if (!document.body.classList.contains("linli-console")) { return; }
    Array.prototype.forEach.call((root || document).querySelectorAll("table.table:not(.linli-keep-table)"), label);
  }
  all();
  document.addEventListener("htmx:afterSwap", function (e) { all(e.target); });

  // A checkbox with data-toggle-target shows or hides the element it names (e.g. 需要跟进 → 跟进事项).
  document.addEventListener("change", function (e) {
    if (e.target.matches && e.target.matches("[data-toggle-target]")) {
      var target = document.querySelector(e.target.getAttribute("data-toggle-target"));
      if (target) { target.classList.toggle("d-none", !e.target.checked); }
    }
  });
})();

// On a phone a list's filter form folds behind one button (unless a filter is set), so the rows come first.
(function () {
  if (!window.matchMedia || !window.matchMedia("(max-width: 575.98px)").matches) { return; }
  Array.prototype.forEach.call(document.querySelectorAll("form.linli-filters"), function (form) {
    var fields = form.querySelectorAll("input:not([type=hidden]), select");
    var active = Array.prototype.some.call(fields, function (f) {
      return f.tagName === "SELECT" ? f.selectedIndex > 0 : !!f.value;  // a select's first option is 全部
    });
    var button = document.createElement("button");
    button.type = "button";
    button.className = "btn btn-outline-secondary w-100 mb-3";
    button.setAttribute("data-testid", "filters-toggle");
    function show(open) {
      form.classList.toggle("d-none", !open);
      button.textContent = open ? "收起筛选条件" : "筛选条件";
      button.setAttribute("aria-expanded", open ? "true" : "false");
    }
    button.addEventListener("click", function () { show(form.classList.contains("d-none")); });
    form.parentNode.insertBefore(button, form);
    show(active);
  });
})();
