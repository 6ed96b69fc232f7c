/* The new-ticket form: show the open tickets of the same unit (or public place) and category from
   the last seven days as the fields change, so a second caller is linked instead of registered
   twice; and offer only the categories of the chosen type. Plain JS; without it the server shows
   the duplicates on submit and refuses a category of another type. */
(function () {
  "use strict";
  var form = document.getElementById("ticket-form");
  var panel = document.getElementById("possible-duplicates");
  if (!form || !panel) { return; }
  var categoryField = form.elements.category;
  var kindField = form.elements.kind;
  var defaultsNode = document.getElementById("category-defaults");
  var categories = defaultsNode ? JSON.parse(defaultsNode.textContent) : {};

  function offerCategoriesOfKind() {
    if (!kindField || !categoryField) { return; }
    var kind = kindField.value;
    var firstOffered = null;
    Array.prototype.forEach.call(categoryField.options, function (option) {
      var kinds = (categories[option.value] || {}).kinds || [];
      var offered = kinds.length === 0 || kinds.indexOf(kind) !== -1;
      option.hidden = !offered;
      option.disabled = !offered;
      if (offered && firstOffered === null) { firstOffered = option; }
    });
    var current = categoryField.options[categoryField.selectedIndex];
    if (current && current.disabled && firstOffered) {
      categoryField.value = firstOffered.value;
      categoryField.dispatchEvent(new Event("change", { bubbles: true }));
    }
  }

  var lastQuery = null;
  function refreshDuplicates() {
    var params = new URLSearchParams();
    var unit = form.elements.unit ? form.elements.unit.value : "";
    var place = form.elements.public_location ? form.elements.public_location.value : "";
    var category = categoryField ? categoryField.value : "";
    if (!category || !(unit || place)) {
      panel.textContent = "";
      lastQuery = null;
      return;
    }
    if (unit) { params.set("unit", unit); } else { params.set("public_location", place); }
    params.set("category", category);
    var query = params.toString();
    if (query === lastQuery) { return; }
    lastQuery = query;
    fetch(panel.dataset.url + "?" + query, { credentials: "same-origin", headers: { "Accept": "text/html" } })
      .then(function (response) { return response.ok ? response.text() : ""; })
      .then(function (html) { if (lastQuery === query) { panel.innerHTML = html; } })
      .catch(function () { /* the server shows them on submit */ });
  }

  if (kindField) { kindField.addEventListener("change", offerCategoriesOfKind); }
  form.addEventListener("change", function (event) {
    var name = event.target && event.target.name;
    if (name === "unit" || name === "public_location" || name === "category") { refreshDuplicates(); }
  });
  offerCategoriesOfKind();
})();
