/* The cashier page: find the unit as you type, total the ticked bills into the amount, and stop a
   second click from posting twice. Plain JS, no dependencies; the page works without it. */
(function () {
  "use strict";
  // Type-ahead: the scoped JSON endpoint returns units with masked phones only.
  var input = document.getElementById("unit-q"), list = document.getElementById("unit-suggestions");
  if (input && list) {
    var timer = null;
    input.addEventListener("input", function () {
      clearTimeout(timer);
      var q = input.value.trim();
      if (!q) { list.hidden = true; return; }
      timer = setTimeout(function () {
        fetch(input.dataset.searchUrl + "?q=" + encodeURIComponent(q), {credentials: "same-origin"})
          .then(function (r) { return r.ok ? r.json() : {results: []}; })
          .then(function (data) {
            list.textContent = "";
            data.results.forEach(function (row) {
              var li = document.createElement("li"), a = document.createElement("a");
              a.href = "?unit=" + row.id;
              a.textContent = row.code + " · " + row.estate + (row.occupants.length ? " · " + row.occupants.map(function (o) { return o.name + " " + o.phone; }).join(", ") : "");
              li.setAttribute("role", "option");
              li.appendChild(a); list.appendChild(li);
            });
            list.hidden = data.results.length === 0;
          });
      }, 200);
    });
  }
  // Ticking bills fills in their total; the clerk can still change it (partial payment).
  var form = document.getElementById("payment-form");
  if (form) {
    var amount = form.querySelector("[name=amount]");
    var fillTotal = function () {
      var cents = 0;
      form.querySelectorAll("input[name=bills]:checked").forEach(function (b) { cents += Math.round(parseFloat(b.dataset.outstanding) * 100); });
      if (cents > 0) { amount.value = (cents / 100).toFixed(2); }
    };
    form.querySelectorAll("input[name=bills]").forEach(function (box) {
      box.addEventListener("change", fillTotal);
    });
    // "Select all overdue": tick exactly the overdue bills (the usual payment at the counter).
    var overdueButton = form.querySelector("[data-select-overdue]");
    if (overdueButton) {
      overdueButton.hidden = false;
      overdueButton.addEventListener("click", function () {
        form.querySelectorAll("input[name=bills]").forEach(function (b) { b.checked = b.dataset.overdue === "1"; });
        fillTotal();
      });
    }
    // A second click while the first post is on its way does nothing (the server would replay it anyway).
    form.addEventListener("submit", function () { form.querySelector("[type=submit]").disabled = true; });
  }
})();
