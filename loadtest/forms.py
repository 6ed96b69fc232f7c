"""Read an HTML form's fields as a browser would submit them untouched (stdlib only).

The locustfile fills the forms the pages really serve (CSRF token, idempotency key, the first
choice of each select) and overrides only what a person would type.
"""

from __future__ import annotations

from html.parser import HTMLParser


class _FormParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[dict] = []
        self._form: dict | None = None
        self._select: str | None = None
        self._select_first: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        a = {k: (v if v is not None else "") for k, v in attrs}
        if tag == "form":
            self._form = {
                "action": a.get("action", ""),
                "method": a.get("method", "get").lower(),
                "fields": {},
            }
            self.forms.append(self._form)
        if self._form is None:
            return
        fields = self._form["fields"]
        name = a.get("name")
        if tag == "input" and name and "disabled" not in a:
            kind = a.get("type", "text").lower()
            if kind in {"submit", "button", "image", "file", "reset"}:
                return
            if kind in {"checkbox", "radio"}:
                if "checked" in a:
                    fields[name] = a.get("value", "on")
                elif kind == "radio":
                    fields.setdefault(name, a.get("value", "on"))  # a required radio: its first choice
                return
            fields[name] = a.get("value", "")
        elif tag == "select" and name:
            self._select, self._select_first = name, None
        elif tag == "option" and self._select:
            value = a.get("value", "")
            if self._select_first is None and value:
                self._select_first = value
                fields.setdefault(self._select, value)
            if "selected" in a:
                fields[self._select] = value
        elif tag == "textarea" and name:
            self._textarea = name
            fields[name] = ""

    def handle_data(self, data):
        if self._form is not None and self._textarea:
            self._form["fields"][self._textarea] += data

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None
        elif tag == "form":
            self._form = None


def html_forms(html: str) -> list[dict]:
    """Every form of the page: {"action", "method", "fields": {name: value}}."""
    parser = _FormParser()
    parser.feed(html)
    return parser.forms


def html_form(html: str, *, with_field: str) -> dict | None:
    """The first POST form that has a field of that name, or None."""
    for form in html_forms(html):
        if form["method"] == "post" and with_field in form["fields"]:
            return form
    return None
