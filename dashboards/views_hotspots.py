"""Hotspot pages (#15): the heat table with the root causes of complaints, and the repeat repairs
the manager works through (list, detail, actions, "detect now"). Interfaces only: parse the
filters, call `dashboards.hotspots` or one service, render."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from dashboards import hotspots, services_repeats
from dashboards.forms_hotspots import ACTION_FORMS, HotspotFilterForm, RepeatFilterForm
from dashboards.models import RepeatRepair
from dashboards.workflows import REPEAT_REPAIR, WORK
from residents.models import Estate
from servicecenter.desk import desk_page, querystring
from servicecenter.exceptions import DomainError
from servicecenter.paging import paginate_light
from servicecenter.validators import parse_id

READ_HOTSPOTS = "tickets.view_ticket_metrics"
READ_REPEATS = "dashboards.view_repeatrepair"
PAGE_SIZE = 30
DEFAULTS = {
    "estate": None,
    "kind": hotspots.BOTH,
    "dimension": hotspots.BY_BUILDING,
    "grain": hotspots.MONTH,
    "count": 6,
}


def _errors(form) -> list[str]:
    return [str(m) for errors in form.errors.values() for m in errors]


def chosen_estate(user, estate_id: int | None) -> Estate:
    """The estate asked for (404 outside the user's reach), or the user's first one."""
    estates = Estate.objects.visible_to(user).order_by("code")
    estate = estates.filter(pk=estate_id).first() if estate_id is not None else estates.first()
    if estate is None:
        raise Http404(_("No such estate."))
    return estate


@desk_page(READ_HOTSPOTS)
@require_GET
def heat(request: HttpRequest) -> HttpResponse:
    """Complaints and repairs by building, public location or category over the last months or
    weeks, and the complaints' root causes against the period before."""
    form = HotspotFilterForm(request.GET)
    valid = form.is_valid()
    data = form.cleaned_data if valid else DEFAULTS
    estate = chosen_estate(request.user, data.get("estate"))
    table = hotspots.heat_table(
        estate=estate,
        kind=data["kind"],
        dimension=data["dimension"],
        grain=data["grain"],
        count=data["count"],
    )
    causes = hotspots.root_cause_breakdown(estate=estate, grain=data["grain"], count=data["count"])
    return render(
        request,
        "dashboards/hotspots/heat.html",
        {
            "form": form,
            "estate": estate,
            "estates": Estate.objects.visible_to(request.user).order_by("code"),
            "data": data,
            "table": table,
            "causes": causes,
            "errors": [] if valid else _errors(form),
            "open_repeats": RepeatRepair.objects.open().filter(estate=estate).count(),
        },
        status=200 if valid else 400,
    )


@desk_page(READ_REPEATS)
@require_GET
def repeat_list(request: HttpRequest) -> HttpResponse:
    data = request.GET.copy()
    data.setdefault("status", "open")
    form = RepeatFilterForm(data)
    valid = form.is_valid()
    values = form.cleaned_data if valid else {}
    estate = chosen_estate(request.user, values.get("estate"))
    rows = (
        hotspots.repeat_repairs_for_list(
            user=request.user,
            estate_id=estate.pk,
            status=values.get("status", ""),
            category_id=values["category"].pk if values.get("category") else None,
        )
        if valid
        else RepeatRepair.objects.none()
    )
    page = paginate_light(request, rows, per_page=PAGE_SIZE)
    return render(
        request,
        "dashboards/hotspots/repeat_list.html",
        {
            "form": form,
            "estate": estate,
            "estates": Estate.objects.visible_to(request.user).order_by("code"),
            "page": page,
            "querystring": querystring(request),
            "errors": [] if valid else _errors(form),
        },
        status=200 if valid else 400,
    )


@desk_page(READ_REPEATS)
@require_GET
def repeat_detail(request: HttpRequest, pk: int) -> HttpResponse:
    repeat = hotspots.repeat_repair_for_page(user=request.user, pk=pk)
    if repeat is None:
        raise Http404(_("No such repeat repair."))
    actions = [
        {"name": a.name, "label": a.label, "form": ACTION_FORMS[a.name](repeat=repeat)}
        for a in REPEAT_REPAIR.available(repeat, request.user)
    ]
    return render(request, "dashboards/hotspots/repeat_detail.html", {"r": repeat, "actions": actions})


@desk_page(READ_REPEATS)
@require_POST
def repeat_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    if action not in ACTION_FORMS:
        raise Http404(_("No such action."))
    repeat = RepeatRepair.objects.visible_to(request.user).filter(pk=pk).first()
    if repeat is None:
        raise Http404(_("No such repeat repair."))
    if not REPEAT_REPAIR.may(repeat, action, request.user):
        raise PermissionDenied
    form = ACTION_FORMS[action](request.POST, repeat=repeat)
    back = reverse("hotspots:repeat_detail", args=[pk])
    if not form.is_valid():
        messages.error(request, " ".join(_errors(form)))
        return redirect(back)
    values = dict(form.cleaned_data)
    try:
        REPEAT_REPAIR.action(action).performer()(repeat=repeat, actor=request.user, **values)
    except DomainError as error:
        messages.error(request, error.message)
        return redirect(back)
    messages.success(request, _("Done: %(action)s.") % {"action": REPEAT_REPAIR.action(action).label})
    return redirect(back)


@desk_page(WORK)
@require_POST
def detect(request: HttpRequest) -> HttpResponse:
    """Detect now, for one estate, over its whole history (the nightly run covers 40 days)."""
    raw = request.POST.get("estate") or request.GET.get("estate") or ""
    estate_id = parse_id(raw)
    if raw and estate_id is None:
        raise Http404(_("No such estate."))
    estate = chosen_estate(request.user, estate_id)
    found = services_repeats.detect_repeat_repairs(estate_id=estate.pk)
    messages.success(request, _("Repeat repairs found: %(count)d new.") % {"count": found})
    return redirect(f"{reverse('hotspots:repeats')}?estate={estate.pk}")
