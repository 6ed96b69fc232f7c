/* The desk knowledge base drawer (templates/frontdesk/_knowledge_drawer.html): searches the
   standard answers and short phrases as the desk types, and inserts one into the text field that
   had the focus last (a ticket reply, an SMS text, any textarea), at the caret. No inline script:
   the site runs a Content-Security-Policy. */
(function () {
  "use strict";
  var drawer = document.getElementById("kb-drawer");
  if (!drawer) { return; }
  var form = drawer.querySelector("[data-kb-form]");
  var list = drawer.querySelector("[data-kb-results]");
  var lastField = null;
  var timer = null;

  function isTextField(el) {
    if (!el || drawer.contains(el)) { return false; }
    if (el.tagName === "TEXTAREA") { return true; }
    return el.tagName === "INPUT" && /^(text|search|)$/.test(el.type || "") && !el.readOnly;
  }

  document.addEventListener("focusin", function (event) {
    if (isTextField(event.target)) { lastField = event.target; }
  });

  function insert(text) {
    var field = lastField;
    if (!field || !document.body.contains(field)) {
      if (navigator.clipboard) { navigator.clipboard.writeText(text); }
      window.alert(list.getAttribute("data-copied"));
      return;
    }
    var start = field.selectionStart, end = field.selectionEnd;
    if (typeof start === "number") {
      field.value = field.value.slice(0, start) + text + field.value.slice(end);
      field.selectionStart = field.selectionEnd = start + text.length;
    } else {
      field.value += text;
    }
    field.dispatchEvent(new Event("input", { bubbles: true }));
    field.focus();
  }

  function render(results) {
    list.textContent = "";
    if (!results.length) {
      var empty = document.createElement("li");
      empty.className = "muted";
      empty.textContent = list.getAttribute("data-empty");
      list.appendChild(empty);
      return;
    }
    results.forEach(function (entry) {
      var item = document.createElement("li");
      var title = document.createElement("strong");
      title.textContent = entry.title;
      var topic = document.createElement("small");
      topic.className = "muted";
      topic.textContent = " · " + entry.topic;
      var body = document.createElement("p");
      body.textContent = entry.body;
      var button = document.createElement("button");
      button.type = "button";
      button.className = "button";
      button.textContent = list.getAttribute("data-insert");
      // Keep the focus where the desk was typing: the insert goes there.
      button.addEventListener("mousedown", function (event) { event.preventDefault(); });
      button.addEventListener("click", function () { insert(entry.body); });
      item.appendChild(title);
      item.appendChild(topic);
      item.appendChild(body);
      item.appendChild(button);
      list.appendChild(item);
    });
  }

  function search() {
    var params = new URLSearchParams(new FormData(form));
    fetch(drawer.getAttribute("data-url") + "?" + params.toString(), {
      credentials: "same-origin",
      headers: { "Accept": "application/json" }
    })
      .then(function (response) { return response.ok ? response.json() : { results: [] }; })
      .then(function (data) { render(data.results || []); })
      .catch(function () { render([]); });
  }

  form.addEventListener("submit", function (event) { event.preventDefault(); search(); });
  form.addEventListener("input", function () {
    window.clearTimeout(timer);
    timer = window.setTimeout(search, 250);
  });
  form.addEventListener("change", search);
  drawer.addEventListener("toggle", function () { if (drawer.open && !list.children.length) { search(); } });
})();
