"""Household visit pages: the zone's households due a visit, the visit log, logging a visit, one
visit with its follow-up ticket, and flagging a household important from the unit page."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from relations.models import Visit
from relations.selectors import visits as selectors
from relations.services import visits as services
from residents.models import Unit
from servicecenter.desk import desk_page, querystring
from servicecenter.exceptions import DomainError
from servicecenter.paging import paginate_light
from servicecenter.validators import parse_id, validate_reasonable_date
from tickets.models import TicketCategory

PAGE_SIZE = 25
VIEW = "relations.view_visit"


class VisitForm(forms.Form):
    visited_on = forms.DateField(
        label=gettext_lazy("Visit date"),
        widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}),
        validators=[validate_reasonable_date],
    )
    channel = forms.ChoiceField(label=gettext_lazy("Channel"), choices=Visit.Channel.choices)
    met = forms.CharField(label=gettext_lazy("Who was met"), max_length=200, required=False)
    topics = forms.CharField(label=gettext_lazy("Topics"), max_length=300, required=False)
    notes = forms.CharField(
        label=gettext_lazy("Notes"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    follow_up = forms.CharField(
        label=gettext_lazy("Follow-up"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        help_text=gettext_lazy("What the centre still has to do; it can become a ticket."),
    )


class FollowUpTicketForm(forms.Form):
    kind = forms.ChoiceField(
        label=gettext_lazy("Type"), choices=[(k.value, k.label) for k in services.FOLLOW_UP_KINDS]
    )
    category = forms.ModelChoiceField(
        label=gettext_lazy("Category"), queryset=TicketCategory.objects.filter(is_active=True)
    )


class FlagForm(forms.Form):
    reason = forms.CharField(label=gettext_lazy("Reason"), max_length=300, required=False)
    clear = forms.BooleanField(required=False)


def _errors(form) -> str:
    return " ".join(str(m) for errors in form.errors.values() for m in errors)


def _unit_or_404(request: HttpRequest, pk) -> Unit:
    unit = (
        Unit.objects.visible_to(request.user).filter(pk=pk).select_related("estate").first() if pk else None
    )
    if unit is None:
        raise Http404(_("No such unit."))
    return unit


@desk_page(VIEW)
@require_GET
def visits_due(request: HttpRequest) -> HttpResponse:
    """The housekeeper's zone page: households due a visit (important ones not visited lately,
    quiet ones, never visited). A housekeeper sees their own zone; others choose one."""
    zones = list(selectors.zones_for(request.user))
    chosen = parse_id(request.GET.get("zone", ""))
    if request.GET.get("zone") and chosen is None:
        raise Http404(_("No such zone."))
    zone = next((z for z in zones if z.pk == chosen), None) if chosen else None
    if chosen and zone is None:
        raise Http404(_("No such zone."))
    if zone is None:
        zone = next((z for z in zones if z.housekeeper_id == request.user.pk), None)
    sort = request.GET.get("sort", "last_visit")
    if sort not in selectors.SORTS:
        sort = "last_visit"
    today = timezone.localdate()
    page = None
    rows = []
    if zone is not None:
        page = paginate_light(
            request,
            selectors.households_due(user=request.user, zone=zone, today=today, sort=sort),
            per_page=PAGE_SIZE,
        )
        rows = [selectors.due_row(unit, today) for unit in page.object_list]
    return render(
        request,
        "relations/visits_due.html",
        {
            "zones": zones,
            "zone": zone,
            "page": page,
            "rows": rows,
            "sort": sort,
            "querystring": querystring(request),
            "important_days": selectors.IMPORTANT_VISIT_DAYS,
            "quiet_months": selectors.QUIET_MONTHS,
        },
    )


@desk_page(VIEW)
@require_GET
def visit_list(request: HttpRequest) -> HttpResponse:
    rows = selectors.visits_for_list(user=request.user)
    code = (request.GET.get("unit") or "").strip()[:50]
    if code:
        rows = rows.filter(unit__code=code)
    page = paginate_light(request, rows.order_by("-visited_on", "-pk"), per_page=PAGE_SIZE)
    return render(
        request,
        "relations/visit_list.html",
        {"page": page, "code": code, "querystring": querystring(request)},
    )


@desk_page(services.LOG_PERM)
@require_http_methods(["GET", "POST"])
def visit_create(request: HttpRequest) -> HttpResponse:
    unit = _unit_or_404(request, parse_id(request.GET.get("unit", "")))
    form = VisitForm(request.POST or None, initial={"visited_on": timezone.localdate(), "channel": "home"})
    if request.method == "POST" and form.is_valid():
        try:
            visit = services.log_visit(actor=request.user, unit=unit, **form.cleaned_data)
        except ValidationError as error:
            for field, errors in error.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(request, _("Visit recorded."))
            return redirect("relations:visit_detail", pk=visit.pk)
    return render(
        request,
        "relations/visit_form.html",
        {"unit": unit, "form": form},
        status=400 if request.method == "POST" else 200,
    )


def _visit_or_404(request: HttpRequest, pk: int) -> Visit:
    visit = selectors.visits_for_list(user=request.user).filter(pk=pk).first()
    if visit is None:
        raise Http404(_("No such visit."))
    return visit


@desk_page(VIEW)
@require_GET
def visit_detail(request: HttpRequest, pk: int) -> HttpResponse:
    visit = _visit_or_404(request, pk)
    may_raise = (
        bool(visit.follow_up.strip())
        and visit.follow_up_ticket_id is None
        and request.user.has_perm(services.LOG_PERM)
        and request.user.has_perm("tickets.add_ticket")
    )
    return render(
        request,
        "relations/visit_detail.html",
        {"visit": visit, "ticket_form": FollowUpTicketForm() if may_raise else None},
    )


@desk_page(services.LOG_PERM)
@require_POST
def visit_ticket(request: HttpRequest, pk: int) -> HttpResponse:
    visit = _visit_or_404(request, pk)
    form = FollowUpTicketForm(request.POST)
    back = reverse("relations:visit_detail", args=[pk])
    if not form.is_valid():
        messages.error(request, _errors(form))
        return redirect(back)
    try:
        ticket = services.raise_follow_up_ticket(actor=request.user, visit=visit, **form.cleaned_data)
    except DomainError as error:
        messages.error(request, error.message)
        return redirect(back)
    messages.success(
        request, _("Ticket %(number)s registered from the follow-up.") % {"number": ticket.number}
    )
    return redirect(back)


@desk_page(services.FLAG_PERM)
@require_POST
def unit_important(request: HttpRequest, pk: int) -> HttpResponse:
    unit = _unit_or_404(request, pk)
    form = FlagForm(request.POST)
    back = reverse("residents:unit_detail", args=[unit.pk])
    if not form.is_valid():
        messages.error(request, _errors(form))
        return redirect(back)
    try:
        if form.cleaned_data["clear"]:
            services.clear_important(actor=request.user, unit=unit)
            messages.success(request, _("The household is no longer flagged important."))
        else:
            services.flag_important(actor=request.user, unit=unit, reason=form.cleaned_data["reason"])
            messages.success(request, _("The household is flagged important."))
    except DomainError as error:
        messages.error(request, error.message)
    return redirect(back)
