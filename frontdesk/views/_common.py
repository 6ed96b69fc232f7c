"""What the front-desk pages share."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _

from residents.models import Unit
from servicecenter.exceptions import DomainError
from servicecenter.validators import parse_id

PAGE_SIZE = 25


def error_text(error: Exception) -> str:
    if isinstance(error, DomainError):
        return error.message
    if isinstance(error, ValidationError):
        return " ".join(error.messages)
    return str(error)


def form_errors(form) -> str:
    return " ".join(str(m) for errors in form.errors.values() for m in errors)


def unit_from_query(request: HttpRequest, units) -> tuple[Unit | None, str]:
    """The unit named by `?unit=<id>` or `?code=<unit code>` among `units` (404 for an id outside
    them; an unknown or ambiguous code is an error text for the page)."""
    raw = request.GET.get("unit")
    if raw:
        pk = parse_id(raw)
        unit = units.filter(pk=pk).select_related("estate").first() if pk else None
        if unit is None:
            raise Http404(_("No such unit."))
        return unit, ""
    code = (request.GET.get("code") or "").strip()
    if not code:
        return None, ""
    found = list(units.filter(code=code).select_related("estate")[:2])
    if len(found) == 1:
        return found[0], ""
    if not found:
        return None, _("No unit with this code.")
    return None, _("Several estates have a unit with this code; open it from the unit's page.")
