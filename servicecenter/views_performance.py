"""Performance (绩效) pages, Excel export and API: the manager's table of an estate's staff for a
month, and each staff member's own figures. The figures come from `servicecenter.performance`."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from io import BytesIO

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.html import format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from openpyxl import Workbook
from openpyxl.styles import Font
from rest_framework import serializers, viewsets
from rest_framework.response import Response

from residents.models import Estate
from servicecenter import performance
from servicecenter.api import ActionPermission, IdField, MonthField
from servicecenter.desk import desk_page
from servicecenter.periods import month_start
from servicecenter.scoping import access_for
from tickets.forms import MetricsForm

# Whoever reads the ticket KPIs of an estate (supervisor, manager, company) reads everyone's
# performance there; everybody else sees only their own row.
READ_ALL_PERMISSION = "tickets.view_ticket_metrics"

COLUMNS = (
    (
        "tickets_handled",
        gettext_lazy("Tickets handled"),
        gettext_lazy(
            "Tickets of the estate this person marked resolved during the month (each ticket once)."
        ),
    ),
    (
        "timely_handling_rate",
        gettext_lazy("On time"),
        gettext_lazy(
            "Of the month's tickets assigned to them and judged: first resolution by the deadline "
            "(the ticket KPI 处理及时率)."
        ),
    ),
    (
        "success_rate",
        gettext_lazy("Success"),
        gettext_lazy(
            "Of their tickets with a callback that reached the resident: all callbacks confirmed the "
            "problem solved (处理成功率)."
        ),
    ),
    (
        "satisfaction_rate",
        gettext_lazy("Satisfaction"),
        gettext_lazy("Callbacks on their tickets scoring 4 or 5, of those with a score (满意率)."),
    ),
    (
        "callbacks_done",
        gettext_lazy("Callbacks done"),
        gettext_lazy("Callbacks they recorded as completed (resident reached) during the month."),
    ),
    (
        "zone_collection_rate",
        gettext_lazy("Zone collection rate"),
        gettext_lazy(
            "For housekeepers: collected in the month for the month's bills of their zone's "
            "buildings, divided by what those bills charged."
        ),
    ),
    (
        "patrols_done",
        gettext_lazy("Patrols done"),
        gettext_lazy("Renovation patrols of the month they recorded (OK or a violation found)."),
    ),
    (
        "patrols_missed",
        gettext_lazy("Patrols missed"),
        gettext_lazy("Renovation patrols of the month assigned to them and marked missed."),
    ),
    (
        "attendance_rate",
        gettext_lazy("Attendance"),
        gettext_lazy(
            "Rostered shifts of the month that have ended, clocked in for on time; — when none has ended."
        ),
    ),
)
SORT_KEYS = ("name", *performance.FIGURES)
EMPTY = "—"


def _display(key: str, value) -> str:
    if value is None:
        return EMPTY
    if isinstance(value, Decimal):  # already a percentage (collection rate)
        return f"{value}%"
    if isinstance(value, float):
        return f"{value * 100:.1f}%"
    return str(value)


def _sorted(rows: list[performance.PerformanceRow], sort: str) -> list[performance.PerformanceRow]:
    key = sort.lstrip("-")
    if key not in SORT_KEYS:
        key, sort = "name", "name"
    descending = sort.startswith("-")
    present = [row for row in rows if getattr(row, key) is not None]
    missing = [row for row in rows if getattr(row, key) is None]
    # Empty figures sort last whichever the direction: "no data" is neither best nor worst.
    return sorted(present, key=lambda row: getattr(row, key), reverse=descending) + missing


def _headers(request: HttpRequest, sort: str) -> list[dict]:
    """Each column with the link that sorts by it (again: the other way round)."""
    headers = []
    for key, label, help_text in (("name", gettext_lazy("Name"), ""), *COLUMNS):
        params = request.GET.copy()
        params["sort"] = f"-{key}" if sort == key else key
        headers.append(
            {
                "key": key,
                "label": label,
                "help": help_text,
                "query": params.urlencode(),
                "sorted": "asc" if sort == key else "desc" if sort == f"-{key}" else "",
            }
        )
    return headers


def _table(rows: list[performance.PerformanceRow]) -> list[dict]:
    # A row's cells joined here, escaped: a template loop per cell costs more than the figures
    # (a large estate's staff is hundreds of rows of nine cells).
    return [
        {
            "row": row,
            "cells": format_html_join(
                "", "<td>{}</td>", ((_display(key, getattr(row, key)),) for key, _label, _help in COLUMNS)
            ),
        }
        for row in rows
    ]


def _chosen(request: HttpRequest) -> tuple[MetricsForm, Estate | None, date | None]:
    today = timezone.localdate()
    data = request.GET.copy()
    # One form, whose estates are read once: the default estate is the first of them, written into
    # the form's data before it is validated (validation runs on the first `is_valid`).
    form = MetricsForm(data, user=request.user)
    if not data.get("estate"):
        estates = form.fields["estate"].objects()
        data["estate"] = estates[0].pk if estates else ""
    data.setdefault("month", f"{today:%Y-%m}")
    if form.is_valid():
        return form, form.cleaned_data["estate"], month_start(form.cleaned_data["month"])
    return form, None, None


@desk_page(READ_ALL_PERMISSION)
@require_GET
def performance_list(request: HttpRequest) -> HttpResponse:
    form, estate, month = _chosen(request)
    sort = request.GET.get("sort", "name")
    rows = _sorted(performance.estate_performance(estate=estate, month=month), sort) if estate else []
    return render(
        request,
        "staff/performance/list.html",
        {
            "form": form,
            "estate": estate,
            "month": month,
            "headers": _headers(request, sort),
            "table": _table(rows),
            "sort": sort,
            "attendance_available": performance.attendance_available(),
        },
    )


@desk_page(READ_ALL_PERMISSION)
@require_GET
def performance_export(request: HttpRequest) -> HttpResponse:
    form, estate, month = _chosen(request)
    if estate is None:
        raise Http404(_("No such estate."))
    rows = _sorted(
        performance.estate_performance(estate=estate, month=month), request.GET.get("sort", "name")
    )
    book = Workbook()
    sheet = book.active
    sheet.title = f"{month:%Y-%m}"
    sheet.append([_("Name"), _("Job title"), *[str(label) for _key, label, _help in COLUMNS]])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        # Numbers a spreadsheet can sort and sum: shares 0–1, the collection rate in percent.
        sheet.append([row.name, row.title, *[getattr(row, key) for key, _label, _help in COLUMNS]])
    sheet.append([])
    for _key, label, help_text in COLUMNS:
        sheet.append([str(label), str(help_text)])
    buffer = BytesIO()
    book.save(buffer)
    response = HttpResponse(
        buffer.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="performance-{estate.code}-{month:%Y-%m}.xlsx"'
    response["Cache-Control"] = "no-store"
    return response


# Every staff role reads tickets (technicians their own): the permission that means "on the staff".
@desk_page("tickets.view_ticket")
@require_GET
def performance_me(request: HttpRequest) -> HttpResponse:
    """Any staff member's own figures, in each estate they work for."""
    month = _month_param(request.GET.get("month"))
    estates = Estate.objects.visible_to(request.user).order_by("code")
    own = []
    for estate in estates.filter(staff_profiles__user=request.user):
        rows = performance.estate_performance(estate=estate, month=month, user_ids=[request.user.pk])
        if rows:
            own.append(
                (
                    estate,
                    [
                        (label, help_text, _display(key, getattr(rows[0], key)))
                        for key, label, help_text in COLUMNS
                    ],
                )
            )
    return render(
        request,
        "staff/performance/me.html",
        {"month": month, "columns": COLUMNS, "own": own},
    )


def _month_param(value: str | None) -> date:
    if value:
        try:
            year, month = (int(part) for part in value.split("-"))
            return date(year, month, 1)
        except ValueError:
            pass
    return month_start(timezone.localdate())


# --- API -----------------------------------------------------------------------------------------


class PerformanceQuerySerializer(serializers.Serializer):
    estate = IdField()
    month = MonthField()


class PerformanceRowSerializer(serializers.Serializer):
    user = serializers.IntegerField()
    name = serializers.CharField()
    title = serializers.CharField()
    tickets_handled = serializers.IntegerField()
    timely_handling_rate = serializers.FloatField(allow_null=True)
    success_rate = serializers.FloatField(allow_null=True)
    satisfaction_rate = serializers.FloatField(allow_null=True)
    callbacks_done = serializers.IntegerField()
    zone_collection_rate = serializers.DecimalField(max_digits=7, decimal_places=2, allow_null=True)
    patrols_done = serializers.IntegerField()
    patrols_missed = serializers.IntegerField()
    attendance_rate = serializers.FloatField(allow_null=True)
    zones = serializers.ListField(child=serializers.CharField())


class PerformanceViewSet(viewsets.ViewSet):
    """Performance (绩效) of an estate's staff for a month."""

    permission_classes = [ActionPermission]
    # Any signed-in user; the rows they get are decided in `list` (residents: 404).
    action_permissions = {"list": []}

    @extend_schema(
        summary="Performance of an estate's staff for a month",
        parameters=[
            OpenApiParameter("estate", OpenApiTypes.INT, required=True),
            OpenApiParameter("month", OpenApiTypes.STR, required=True, description="YYYY-MM"),
        ],
        responses={
            200: PerformanceRowSerializer(many=True),
            400: OpenApiResponse(description="Invalid estate or month."),
            404: OpenApiResponse(description="No such estate within the user's reach."),
        },
    )
    def list(self, request):
        """One row per staff member for supervisors, managers and the company; anyone else gets
        only their own row. Shares are 0–1 (null when nothing is in the denominator),
        `zone_collection_rate` a percentage; each figure is defined in the docstring of the function
        of the same name in `servicecenter.performance`; `attendance_rate` is null while no rostered
        shift of the person has ended in the month."""
        if not access_for(request.user).is_staff_member:
            raise Http404(_("No such estate."))
        query = PerformanceQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        estate = Estate.objects.visible_to(request.user).filter(pk=query.validated_data["estate"]).first()
        if estate is None:
            raise Http404(_("No such estate."))
        user_ids = None if request.user.has_perm(READ_ALL_PERMISSION) else [request.user.pk]
        rows = performance.estate_performance(
            estate=estate, month=month_start(query.validated_data["month"]), user_ids=user_ids
        )
        response = Response(PerformanceRowSerializer([row.as_dict() for row in rows], many=True).data)
        response["Cache-Control"] = "no-store"
        return response
