/* Intake suggestions on the desk's new-ticket form: as the description is typed, ask the server
   which categories and teams fit (POST /api/tickets/suggest/), and offer up to three chips
   "category · team (87%)"; one click sets both selects. The form works the same without it. */
(function () {
  "use strict";
  var box = document.getElementById("intake-suggestions");
  var form = document.getElementById("ticket-form");
  if (!box || !form || !window.fetch) { return; }

  var description = form.elements.description;
  var categoryField = form.elements.category;
  var teamField = form.elements.team;
  var estateField = form.elements.estate;
  var csrfField = form.elements.csrfmiddlewaretoken;
  var chips = box.querySelector(".intake-suggestions-chips");
  var sourceNote = box.querySelector(".intake-suggestions-source");
  var DEBOUNCE_MS = 300;
  var MIN_ALTERNATIVE = 0.05;
  var timer = null;
  var lastAsked = "";
  var asking = 0;

  function percent(confidence) {
    return Math.round(confidence * 100) + "%";
  }

  function hasOption(select, value) {
    if (!select) { return false; }
    for (var i = 0; i < select.options.length; i += 1) {
      if (select.options[i].value === value) { return true; }
    }
    return false;
  }

  function choose(suggestion, chip) {
    var categoryId = String(suggestion.category.id);
    if (hasOption(categoryField, categoryId)) {
      categoryField.value = categoryId;
      // Lets the form's own script apply the category's priority and default team first.
      categoryField.dispatchEvent(new Event("change", { bubbles: true }));
    }
    if (suggestion.team && hasOption(teamField, String(suggestion.team.id))) {
      teamField.value = String(suggestion.team.id);
      teamField.dispatchEvent(new Event("change", { bubbles: true }));
    }
    chips.querySelectorAll(".chip").forEach(function (other) {
      other.setAttribute("aria-pressed", other === chip ? "true" : "false");
    });
  }

  function render(data) {
    chips.textContent = "";
    // The likeliest always; the others only when they are real alternatives.
    var suggestions = (data.suggestions || []).slice(0, 3).filter(function (suggestion, index) {
      return index === 0 || suggestion.category.confidence >= MIN_ALTERNATIVE;
    });
    if (!suggestions.length) {
      box.hidden = true;
      return;
    }
    suggestions.forEach(function (suggestion, index) {
      var chip = document.createElement("button");
      chip.type = "button";
      chip.className = "chip";
      chip.dataset.testid = "suggestion-" + index;
      chip.setAttribute("aria-pressed", "false");
      var label = suggestion.category.name;
      if (suggestion.team) { label += " · " + suggestion.team.name; }
      chip.textContent = label + " (" + percent(suggestion.category.confidence) + ")";
      chip.addEventListener("click", function () { choose(suggestion, chip); });
      chips.appendChild(chip);
    });
    sourceNote.textContent = data.source === "history" ? box.dataset.sourceHistory : box.dataset.sourceKeywords;
    box.hidden = false;
  }

  function ask() {
    var text = description.value.trim();
    var estate = estateField && estateField.value ? estateField.value : "";
    var key = estate + "|" + text;
    if (text.length < 2 || !estate) {
      box.hidden = true;
      return;
    }
    if (key === lastAsked) { return; }
    lastAsked = key;
    asking += 1;
    var ticket = asking;
    fetch(box.dataset.suggestUrl, {
      method: "POST",
      credentials: "same-origin",
      headers: {
        "Content-Type": "application/json",
        "Accept": "application/json",
        "X-CSRFToken": csrfField ? csrfField.value : "",
        "X-Requested-With": "XMLHttpRequest"
      },
      body: JSON.stringify({ description: text, estate: Number(estate) })
    })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) {
        // Only the answer to the latest question counts; a slow earlier one is dropped.
        if (ticket !== asking) { return; }
        if (data) { render(data); } else { box.hidden = true; }
      })
      .catch(function () { box.hidden = true; });
  }

  function later() {
    clearTimeout(timer);
    timer = setTimeout(ask, DEBOUNCE_MS);
  }

  description.addEventListener("input", later);
  if (estateField) { estateField.addEventListener("change", later); }
  if (description.value.trim()) { later(); }
})();
