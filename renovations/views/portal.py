"""Renovation in the resident portal (#14): the owner applies for a renovation of their unit
(through the same service as the desk, with an idempotency key), follows the approval (status and
timeline), sees the permit, the worker passes and the estate's renovation rules. Only the units
the resident occupies today (404 for anyone else's)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from renovations import page_selectors, selectors, services
from renovations.forms import PortalRenovationForm, worker_formset, workers_of
from renovations.models import RenovationCharge
from renovations.workflows import RENOVATION
from servicecenter.exceptions import DomainError
from servicecenter.portal import portal_page
from servicecenter.validators import parse_id


def _rules(estate_id: int) -> dict:
    rules = selectors.rules_for(estate_id)
    return {"rules": rules, "hours": selectors.working_hours_text(rules)}


@portal_page
@require_GET
def portal_renovations(request: HttpRequest) -> HttpResponse:
    renovations = page_selectors.renovations_for_portal(user=request.user)
    units = page_selectors.owned_units_for_portal(user=request.user, today=timezone.localdate())
    estate_ids = sorted({u.estate_id for u in units} | {r.estate_id for r in renovations})
    return render(
        request,
        "renovations/portal/renovation_list.html",
        {
            "renovations": renovations,
            "may_apply": bool(units),
            "rules": [{"estate_id": pk, **_rules(pk)} for pk in estate_ids[:3]],
        },
    )


@portal_page
@require_http_methods(["GET", "POST"])
def portal_renovation_apply(request: HttpRequest) -> HttpResponse:
    """The application for one of the units the resident owns (`?unit=` when they own several)."""
    units = page_selectors.owned_units_for_portal(user=request.user, today=timezone.localdate())
    if not units:
        raise Http404(_("Only an owner of a unit can apply for its renovation."))
    posted = request.method == "POST"
    wanted = parse_id(request.POST.get("unit") if posted else request.GET.get("unit"))
    unit = next((u for u in units if u.pk == wanted), units[0] if len(units) == 1 else None)
    if unit is None:
        return render(request, "renovations/portal/renovation_unit_pick.html", {"units": units})
    more = posted and "more_workers" in request.POST
    form = PortalRenovationForm(
        request.POST if posted else None, request.FILES if posted else None, unit=unit
    )
    workers = worker_formset(request.POST if posted else None, more=more)
    if posted and not more and form.is_valid() & workers.is_valid():
        data = form.cleaned_data
        try:
            renovation = services.register_renovation(
                unit=unit,
                owner=unit.owner,
                actor=request.user,
                contractor_company=data["contractor_company"],
                contractor_licence=data["contractor_licence"],
                contractor_contact=data["contractor_contact"],
                contractor_phone=data["contractor_phone"],
                planned_start=data["planned_start"],
                planned_end=data["planned_end"],
                scope_items=list(data["scope_items"]),
                workers=workers_of(workers),
                description=data["description"],
                documents=form.documents(),
                idempotency_key=data["idempotency_key"],
            )
        except (DomainError, PermissionDenied) as error:
            form.add_error(None, getattr(error, "message", None) or str(error))
        except ValidationError as error:
            form.add_error(None, error.messages)
        else:
            messages.success(
                request,
                _("Your application %(number)s is submitted; the service centre will review it.")
                % {"number": renovation.number},
            )
            return redirect("portal:renovation", pk=renovation.pk)
    return render(
        request,
        "renovations/portal/renovation_form.html",
        {"form": form, "workers": workers, "unit": unit, **_rules(unit.estate_id)},
        status=400 if posted and not more else 200,
    )


@portal_page
@require_GET
def portal_renovation(request: HttpRequest, pk: int) -> HttpResponse:
    renovation = page_selectors.renovation_for_portal(user=request.user, pk=pk)
    owed = selectors.charges_outstanding(renovation)
    events = list(renovation.events.all())
    for event in events:
        action = RENOVATION.by_name.get(event.action)
        event.title = (
            str(action.label) if action else _("Application registered") if event.action == "register" else ""
        )
        event.to_label = RENOVATION.label(event.to_status) if event.to_status else ""
    return render(
        request,
        "renovations/portal/renovation_detail.html",
        {
            "r": renovation,
            "owed": owed,
            "deposit_due": any(o.kind == RenovationCharge.Kind.DEPOSIT for o in owed),
            "workers": list(renovation.workers.all()),
            "documents": list(renovation.documents.all()),
            "events": events,
            **_rules(renovation.estate_id),
        },
    )
