"""Pages for shift handovers (交接班) and attendance (考勤): the staff member's clock page (a phone
page), the supervisor's flags and the monthly sheet in Excel."""

from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from servicecenter.desk import desk_page, querystring
from servicecenter.exceptions import DomainError
from servicecenter.paging import paginate
from staff import exports_attendance, selectors_attendance, services_attendance
from staff.forms_attendance import HandoverForm, SheetForm
from staff.models import Team
from staff.selectors_rosters import shifts_of
from staff.workflows import ATTENDANCE, HANDOVER

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PAGE_SIZE = 25
# How far back the supervisor's flags page looks for absences and flagged clock-ins.
FLAGS_DAYS = 31


@desk_page("staff.view_shifthandover")
@require_GET
def handover_teams(request: HttpRequest) -> HttpResponse:
    teams = Team.objects.visible_to(request.user).select_related("estate")
    return render(request, "staff/attendance/handover_teams.html", {"teams": teams})


@desk_page("staff.view_shifthandover")
@require_http_methods(["GET", "POST"])
def handover_list(request: HttpRequest, team_id: int) -> HttpResponse:
    """A team's handover log, newest first, with the form for the outgoing shift."""
    team = get_object_or_404(Team.objects.visible_to(request.user).select_related("estate"), pk=team_id)
    may_write = request.user.has_perm("staff.add_shifthandover")
    choices = selectors_attendance.handover_ticket_choices(team=team) if may_write else []
    posted = request.method == "POST" and may_write
    form = HandoverForm(request.POST if posted else None, ticket_choices=choices)
    if posted and form.is_valid():
        try:
            services_attendance.write_handover(
                team=team,
                actor=request.user,
                ticket_ids=form.cleaned_data["tickets"],
                keys=form.cleaned_data["keys"],
                incidents=form.cleaned_data["incidents"],
                notes=form.cleaned_data["notes"],
            )
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            return redirect("staff:handover_list", team_id=team.pk)
    page = paginate(request, selectors_attendance.handovers_for(request.user, team=team), per_page=PAGE_SIZE)
    for handover in page.object_list:
        handover.offered = [a.name for a in HANDOVER.available(handover, request.user)]
    return render(
        request,
        "staff/attendance/handover_list.html",
        {
            "team": team,
            "page": page,
            "form": form,
            "may_write": may_write,
        },
    )


@desk_page("staff.change_shifthandover")
@require_POST
def handover_acknowledge(request: HttpRequest, pk: int) -> HttpResponse:
    handover = get_object_or_404(selectors_attendance.handovers_for(request.user), pk=pk)
    try:
        services_attendance.acknowledge_handover(handover=handover, actor=request.user)
    except DomainError as error:
        messages.error(request, error.message)
    return redirect("staff:handover_list", team_id=handover.team_id)


@desk_page("staff.add_attendancerecord")
@require_GET
def clock(request: HttpRequest) -> HttpResponse:
    """The staff member's phone page: today's shifts, the open clock-in, the buttons."""
    today = timezone.localdate()
    open_record = selectors_attendance.open_record_of(request.user)
    offered = [a.name for a in ATTENDANCE.available(open_record, request.user)] if open_record else []
    return render(
        request,
        "staff/attendance/clock.html",
        {
            "shifts": shifts_of(user=request.user, day=today),
            "open_record": open_record,
            "may_clock_out": "clock_out" in offered,
            "recent": selectors_attendance.attendance_for(request.user).filter(user=request.user)[:7],
        },
    )


@desk_page("staff.add_attendancerecord")
@require_POST
def clock_in(request: HttpRequest) -> HttpResponse:
    try:
        record = services_attendance.clock_in(user=request.user)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        if record.is_flagged:
            messages.warning(request, record_flag_text(record))
    return redirect("staff:attendance_clock")


@desk_page("staff.add_attendancerecord")
@require_POST
def clock_out(request: HttpRequest) -> HttpResponse:
    try:
        services_attendance.clock_out(user=request.user)
    except DomainError as error:
        messages.error(request, error.message)
    return redirect("staff:attendance_clock")


def record_flag_text(record) -> str:
    if record.is_unrostered:
        return _("Clocked in with no rostered shift: your supervisor will see it.")
    return _("Clocked in %(minutes)s minutes late.") % {"minutes": record.minutes_late}


@desk_page("staff.view_attendancerecord")
@require_GET
def attendance_flags(request: HttpRequest) -> HttpResponse:
    """For the supervisor: late, early and unrostered clock-ins, and absences, of the last month."""
    now = timezone.now()
    since = now - timedelta(days=FLAGS_DAYS)
    view = request.GET.get("view", "flags")
    if view == "absent":
        rows = selectors_attendance.absences(viewer=request.user, now=now, since=since)
    else:
        rows = selectors_attendance.flagged_attendance(
            selectors_attendance.attendance_for(request.user).filter(clock_in_at__gte=since)
        )
    page = paginate(request, rows, per_page=PAGE_SIZE)
    return render(
        request,
        "staff/attendance/flags.html",
        {
            "page": page,
            "view": view,
            "sheet_form": SheetForm(user=request.user),
            "querystring": querystring(request),
        },
    )


@desk_page("staff.view_attendancerecord")
@require_GET
def attendance_export(request: HttpRequest) -> HttpResponse:
    form = SheetForm(request.GET, user=request.user)
    if not form.is_valid():
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
        return redirect("staff:attendance_flags")
    team, month = form.cleaned_data["team"], form.cleaned_data["month"]
    rows = selectors_attendance.monthly_sheet(team=team, year=month.year, month=month.month)
    content = exports_attendance.attendance_workbook(team=team, year=month.year, month=month.month, rows=rows)
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="attendance-{team.pk}-{month:%Y%m}.xlsx"'
    response["Cache-Control"] = "no-store"
    return response
