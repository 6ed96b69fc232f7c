/* The front desk's new-ticket form: find the resident as you type, fill unit and reporter, and let
   the category pick team and priority. Plain JS, no dependencies; the form works without it. */
(function () {
  "use strict";
  var form = document.getElementById("ticket-form");
  if (!form) { return; }

  function readJson(id) {
    var node = document.getElementById(id);
    if (!node) { return {}; }
    var value = JSON.parse(node.textContent);
    return typeof value === "string" ? JSON.parse(value) : value;
  }

  var categories = readJson("category-defaults");
  var teamsByEstate = readJson("teams-by-estate");
  var strings = (document.getElementById("lookup-strings") || {}).content;
  var noneText = strings ? strings.querySelector("span").dataset.none : "";
  var vacantText = strings ? strings.querySelector("span").dataset.vacant : "";

  var input = form.querySelector("[data-lookup-url]");
  var results = document.getElementById("lookup-results");
  var picked = document.getElementById("picked");
  var unitField = form.elements.unit;
  var reporterField = form.elements.reporter;
  var estateField = form.elements.estate;
  var categoryField = form.elements.category;
  var priorityField = form.elements.priority;
  var teamField = form.elements.team;
  var channelField = form.elements.channel;
  var callbackNote = document.getElementById("callback-note");
  var rows = [];
  var active = -1;
  var timer = null;
  var lastQuery = "";
  var teamTouched = false;

  function currentEstate() {
    return estateField && estateField.value ? estateField.value : "";
  }

  function applyCategory() {
    var defaults = categories[categoryField.value];
    if (!defaults) { return; }
    if (priorityField) { priorityField.value = defaults.priority; }
    if (callbackNote) { callbackNote.hidden = !defaults.callback_mandatory; }
    if (teamField && !teamTouched) {
      var teams = teamsByEstate[currentEstate()] || {};
      var teamId = teams[defaults.team_kind] || teams.customer_service || "";
      teamField.value = teamId ? String(teamId) : "";
    }
  }

  function close() {
    results.hidden = true;
    input.setAttribute("aria-expanded", "false");
    active = -1;
  }

  function choose(index) {
    var row = rows[index];
    if (!row) { return; }
    unitField.value = row.unit.id;
    reporterField.value = row.person ? row.person.id : "";
    if (estateField) { estateField.value = String(row.unit.estate_id); }
    var label = row.unit.estate + " · " + row.unit.code;
    if (row.person) {
      label += " · " + row.person.name + " " + row.person.mobile_masked;
      form.elements.reporter_name.value = "";
      form.elements.reporter_phone.value = "";
    }
    picked.textContent = label;
    input.value = row.person ? row.person.name : row.unit.code;
    close();
    applyCategory();
    // Hidden inputs fire no change event of their own; other scripts (duplicates) listen for it.
    unitField.dispatchEvent(new Event("change", { bubbles: true }));
    categoryField.focus();
  }

  function render() {
    results.textContent = "";
    if (!rows.length) {
      var empty = document.createElement("li");
      empty.className = "muted";
      empty.textContent = noneText;
      results.appendChild(empty);
    }
    rows.forEach(function (row, index) {
      var item = document.createElement("li");
      item.setAttribute("role", "option");
      item.id = "lookup-option-" + index;
      item.dataset.index = String(index);
      item.textContent = row.unit.code + " · " + (row.person
        ? row.person.name + " " + row.person.mobile_masked + (row.person.role ? " (" + row.person.role + ")" : "")
        : vacantText) + " · " + row.unit.estate;
      if (index === active) { item.setAttribute("aria-selected", "true"); }
      item.addEventListener("mousedown", function (event) {
        event.preventDefault();
        choose(index);
      });
      results.appendChild(item);
    });
    results.hidden = false;
    input.setAttribute("aria-expanded", "true");
  }

  function search() {
    var query = input.value.trim();
    if (query.length < 2 || query === lastQuery) { return; }
    lastQuery = query;
    fetch(input.dataset.lookupUrl + "?q=" + encodeURIComponent(query), {
      headers: { "X-Requested-With": "XMLHttpRequest" },
      credentials: "same-origin"
    })
      .then(function (response) { return response.ok ? response.json() : { results: [] }; })
      .then(function (data) {
        if (input.value.trim() !== query) { return; }
        rows = data.results || [];
        active = rows.length ? 0 : -1;
        render();
      })
      .catch(function () { close(); });
  }

  input.addEventListener("input", function () {
    if (unitField.value) {
      unitField.value = "";
      unitField.dispatchEvent(new Event("change", { bubbles: true }));
    }
    reporterField.value = "";
    picked.textContent = "";
    clearTimeout(timer);
    timer = setTimeout(search, 200);
  });
  input.addEventListener("keydown", function (event) {
    if (results.hidden) { return; }
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      active = (active + (event.key === "ArrowDown" ? 1 : -1) + rows.length) % rows.length;
      render();
    } else if (event.key === "Enter") {
      if (active >= 0) {
        event.preventDefault();
        choose(active);
      }
    } else if (event.key === "Escape") {
      close();
    }
  });
  input.addEventListener("blur", function () { setTimeout(close, 150); });

  categoryField.addEventListener("change", applyCategory);
  if (estateField) { estateField.addEventListener("change", applyCategory); }
  if (teamField) { teamField.addEventListener("change", function () { teamTouched = true; }); }

  // The desk mostly takes calls: remember the channel last used on this computer.
  try {
    var savedChannel = window.localStorage.getItem("tickets.channel");
    if (channelField && savedChannel && !form.dataset.bound) { channelField.value = savedChannel; }
    form.addEventListener("submit", function () {
      window.localStorage.setItem("tickets.channel", channelField.value);
    });
  } catch (ignored) { /* private mode: no memory, no harm */ }

  if (!priorityField.value) { applyCategory(); }
})();
