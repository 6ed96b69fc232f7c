"""The rosters' pages: a team's week (the supervisor's grid), shift swaps, who is on duty now and
redrawing the zones. Thin: they read through the selectors and write through the services."""

from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from residents.models import Building, Estate
from servicecenter.desk import desk_page
from servicecenter.exceptions import DomainError
from servicecenter.paging import paginate
from staff import services_rosters as rosters
from staff import services_zones as zones
from staff.forms_rosters import ReceptionHoursForm
from staff.models import RosterEntry, SwapRequest, Team, Zone
from staff.selectors_rosters import on_duty_board, reception_hours_of, roster_grid
from staff.workflows import SWAP

MANAGE = "staff.change_rosterentry"


def _estates(request):
    return Estate.objects.visible_to(request.user).order_by("code")


def _estate(request, raw: str | None):
    estates = list(_estates(request))
    if raw and raw.isdigit():
        for estate in estates:
            if estate.pk == int(raw):
                return estate, estates
        raise Http404(_("No such estate."))
    return (estates[0] if estates else None), estates


def _week(raw: str | None) -> date:
    try:
        day = date.fromisoformat(raw) if raw else timezone.localdate()
    except ValueError:
        day = timezone.localdate()
    return rosters.week_start_of(day)


def _team(request, raw: str | None):
    teams = list(
        Team.objects.visible_to(request.user)
        .select_related("estate")
        .order_by("estate__code", "kind", "name")
    )
    if raw and raw.isdigit():
        for team in teams:
            if team.pk == int(raw):
                return team, teams
        raise Http404(_("No such team."))
    return (teams[0] if teams else None), teams


def _roster_url(team, week_start) -> str:
    return f"{reverse('staff:roster')}?team={team.pk}&week={week_start.isoformat()}"


@desk_page("staff.view_rosterentry")
def roster(request: HttpRequest) -> HttpResponse:
    team, teams = _team(request, request.GET.get("team"))
    week_start = _week(request.GET.get("week"))
    grid = roster_grid(team=team, week_start=week_start) if team is not None else None
    return render(
        request,
        "staff/rosters/roster.html",
        {
            "team": team,
            "teams": teams,
            "grid": grid,
            "week_start": week_start,
            "previous_week": week_start - timezone.timedelta(days=7),
            "next_week": week_start + timezone.timedelta(days=7),
            "may_edit": request.user.has_perm(MANAGE),
            "day_off": rosters.DAY_OFF,
        },
    )


@desk_page(MANAGE)
@require_POST
def roster_save(request: HttpRequest) -> HttpResponse:
    team, _teams = _team(request, request.POST.get("team"))
    if team is None:
        raise Http404(_("No such team."))
    week_start = _week(request.POST.get("week"))
    cells: dict[tuple[int, date], str] = {}
    for key, value in request.POST.items():
        # cell-<user pk>-<yyyy-mm-dd>
        if not key.startswith("cell-"):
            continue
        _prefix, user_pk, day = key.split("-", 2)
        try:
            cells[int(user_pk), date.fromisoformat(day)] = value
        except ValueError:
            continue
    try:
        changed = rosters.save_roster_week(
            actor=request.user,
            team=team,
            week_start=week_start,
            cells=cells,
            acknowledge_conflicts=request.POST.get("acknowledge") == "1",
            conflict_note=request.POST.get("conflict_note", ""),
        )
    except DomainError as error:
        for message in error.details.get("errors") or [error.message]:
            messages.error(request, message)
    else:
        messages.success(request, _("The roster is saved (%(count)s changes).") % {"count": changed})
    return redirect(_roster_url(team, week_start))


@desk_page(MANAGE)
@require_POST
def roster_copy(request: HttpRequest) -> HttpResponse:
    team, _teams = _team(request, request.POST.get("team"))
    if team is None:
        raise Http404(_("No such team."))
    week_start = _week(request.POST.get("week"))
    copied, left_out = rosters.copy_last_week(actor=request.user, team=team, week_start=week_start)
    messages.success(
        request,
        _(
            "Copied %(copied)s cells from last week; %(left_out)s left out (double bookings or retired shift types)."
        )
        % {"copied": copied, "left_out": left_out},
    )
    return redirect(_roster_url(team, week_start))


@desk_page("staff.view_swaprequest")
def swaps(request: HttpRequest) -> HttpResponse:
    swaps_qs = (
        SwapRequest.objects.visible_to(request.user)
        .select_related("requested_by", "counterpart", "entry__shift_type", "counterpart_entry__shift_type")
        .order_by("-created_at", "-pk")
    )
    status = request.GET.get("status")
    if status in SwapRequest.Status.values:
        swaps_qs = swaps_qs.filter(status=status)
    page = paginate(request, swaps_qs, per_page=30)
    rows = [(swap, SWAP.available(swap, request.user)) for swap in page.object_list]
    return render(
        request,
        "staff/rosters/swaps.html",
        {"page": page, "rows": rows, "statuses": SwapRequest.Status.choices, "status": status},
    )


@desk_page("staff.add_swaprequest")
def swap_new(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    mine = list(
        RosterEntry.objects.visible_to(request.user)
        .filter(user=request.user, is_day_off=False, day__gte=today)
        .select_related("shift_type", "team")
        .order_by("day")[:60]
    )
    estate_ids = {e.estate_id for e in mine}
    colleagues = list(
        RosterEntry._meta.get_field("user")
        .related_model.objects.filter(staff_profile__estates__in=estate_ids, is_active=True)
        .exclude(pk=request.user.pk)
        .distinct()
        .order_by("username")
    )
    theirs = list(
        RosterEntry.objects.filter(estate_id__in=estate_ids, is_day_off=False, day__gte=today)
        .exclude(user=request.user)
        .select_related("shift_type", "user")
        .order_by("day", "user__username")[:200]
    )
    if request.method == "POST":
        entry = next((e for e in mine if str(e.pk) == request.POST.get("entry")), None)
        counterpart = next((u for u in colleagues if str(u.pk) == request.POST.get("counterpart")), None)
        counterpart_entry = next(
            (e for e in theirs if str(e.pk) == request.POST.get("counterpart_entry")), None
        )
        if entry is None or counterpart is None:
            messages.error(request, _("Choose your shift and the colleague to swap with."))
        else:
            try:
                rosters.request_swap(
                    actor=request.user,
                    entry=entry,
                    counterpart=counterpart,
                    counterpart_entry=counterpart_entry,
                    reason=request.POST.get("reason", ""),
                )
            except DomainError as error:
                messages.error(request, error.message)
            else:
                messages.success(request, _("Your swap is waiting for the supervisor's approval."))
                return redirect("staff:swaps")
    return render(
        request, "staff/rosters/swap_form.html", {"mine": mine, "colleagues": colleagues, "theirs": theirs}
    )


SWAP_SERVICES = {
    "approve": rosters.approve_swap,
    "reject": rosters.reject_swap,
    "cancel": rosters.cancel_swap,
}


@desk_page("staff.add_swaprequest")
@require_POST
def swap_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    if action not in SWAP_SERVICES:
        raise Http404(_("No such action."))
    swap = get_object_or_404(SwapRequest.objects.visible_to(request.user), pk=pk)
    if not SWAP.may(swap, action, request.user):
        raise PermissionDenied(_("You are not allowed to do this."))
    try:
        SWAP_SERVICES[action](swap=swap, actor=request.user, note=request.POST.get("note", ""))
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Done."))
    return redirect("staff:swaps")


@desk_page("staff.view_rosterentry")
def on_duty(request: HttpRequest) -> HttpResponse:
    estate, estates = _estate(request, request.GET.get("estate"))
    now = timezone.now()
    board = on_duty_board(estate=estate, at=now) if estate is not None else []
    return render(
        request,
        "staff/rosters/on_duty.html",
        {"estate": estate, "estates": estates, "board": board, "now": now},
    )


@desk_page("staff.change_receptionhours")
@require_http_methods(["GET", "POST"])
def reception_hours(request: HttpRequest) -> HttpResponse:
    """The supervisor or manager sets when the estate's service desk opens (the roster flags the
    hours nobody covers)."""
    estate, estates = _estate(request, request.GET.get("estate") or request.POST.get("estate"))
    if estate is None:
        raise Http404(_("No such estate."))
    current = reception_hours_of(estate)
    initial = {name: getattr(current, name) for name in rosters.RECEPTION_HOURS_FIELDS}
    form = ReceptionHoursForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            rosters.set_reception_hours(actor=request.user, estate=estate, **form.cleaned_data)
        except DomainError as error:
            for field, errors in (error.details or {"__all__": [error.message]}).items():
                for message in errors:
                    form.add_error(field if field in form.fields else None, message)
        else:
            messages.success(request, _("Reception hours saved."))
            return redirect(f"{reverse('staff:reception_hours')}?estate={estate.pk}")
    return render(
        request,
        "staff/rosters/reception_hours.html",
        {"estate": estate, "estates": estates, "form": form},
    )


@desk_page("staff.redraw_zones")
def zone_map(request: HttpRequest) -> HttpResponse:
    estate, estates = _estate(request, request.GET.get("estate") or request.POST.get("estate"))
    if estate is None:
        raise Http404(_("No such estate."))
    if request.method == "POST":
        assignment = {}
        for key, value in request.POST.items():
            if key.startswith("building-") and key[9:].isdigit():
                assignment[int(key[9:])] = int(value) if value.isdigit() else None
        try:
            zones.redraw_zones(actor=request.user, estate=estate, assignment=assignment)
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("The zones are saved."))
            return redirect(f"{reverse('staff:zones')}?estate={estate.pk}")
    buildings = list(
        Building.objects.filter(estate=estate).select_related("zone_building").order_by("code", "pk")
    )
    estate_zones = list(Zone.objects.filter(estate=estate).select_related("housekeeper").order_by("name"))
    uncovered = [b for b in buildings if not hasattr(b, "zone_building")]
    return render(
        request,
        "staff/rosters/zones.html",
        {
            "estate": estate,
            "estates": estates,
            "buildings": [
                (b, getattr(getattr(b, "zone_building", None), "zone_id", None)) for b in buildings
            ],
            "zones": estate_zones,
            "uncovered": uncovered,
        },
    )
