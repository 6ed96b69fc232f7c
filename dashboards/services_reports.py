"""Writes of the monthly reports (issue #15): the scheduled build and the manager's rebuild.

A report is built once per estate and month: the unique constraint on the current version makes
a repeated or concurrent build a no-op, and the schedule finds its due work from the rows (every
estate without last month's report), so a lost run is made up by the next. The figures are
computed before the write transaction (they read through the replica) and stored as they are.
"""

from __future__ import annotations

from datetime import date, datetime

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from dashboards import services_kpis
from dashboards.models import MonthlyReport
from dashboards.reports import build_figures
from residents.models import Estate
from servicecenter.exceptions import DomainError
from servicecenter.periods import month_start, previous_month
from servicecenter.roles import COMPANY, MANAGER
from staff.selectors import staff_users_of_estate
from staff.services import notify

REASON_MAX_LENGTH = 1000


def _recipients(estate: Estate) -> list:
    """The estate's managers and the company's quality department."""
    company = get_user_model().objects.filter(groups__name=COMPANY, is_active=True)
    return [*staff_users_of_estate(estate=estate, role=MANAGER), *company.distinct()]


def _notify_built(report: MonthlyReport, now: datetime) -> None:
    if report.version == 1:
        title = _("Monthly report %(month)s of %(estate)s is ready") % {
            "month": f"{report.month:%Y-%m}",
            "estate": report.estate.name,
        }
    else:
        title = _("Monthly report %(month)s of %(estate)s was rebuilt (version %(version)s)") % {
            "month": f"{report.month:%Y-%m}",
            "estate": report.estate.name,
            "version": report.version,
        }
    notify(
        recipients=_recipients(report.estate),
        kind="monthly_report",
        title=title,
        body=report.reason,
        url=reverse("monthly_reports:detail", kwargs={"pk": report.pk}),
        estate=report.estate,
        dedupe_key=f"monthly-report:{report.pk}",
        now=now,
    )


def _store_kpi_month(report: MonthlyReport, now: datetime) -> None:
    """The report's KPI board is `kpis.month_figures` of its month: store those figures for the
    dashboard's trend too, rather than computing the month again there."""
    if not services_kpis.is_closed(report.month, now):
        return
    figures = {figure["code"]: figure["value"] for figure in report.figures.get("kpis", [])}
    services_kpis.store_kpi_month(estate=report.estate, month=report.month, figures=figures, now=now)


def build_monthly_report(*, estate: Estate, month: date, now: datetime | None = None) -> MonthlyReport | None:
    """The first version of `estate`'s report of `month`, or None when it exists already (built
    by an earlier or a concurrent run: the unique constraint decides)."""
    now = now or timezone.now()
    month = month_start(month)
    if MonthlyReport.objects.filter(estate=estate, month=month).exists():
        return None
    figures = build_figures(estate=estate, month=month, now=now)
    try:
        with transaction.atomic():
            report = MonthlyReport.objects.create(
                estate=estate, month=month, version=1, is_current=True, figures=figures, built_at=now
            )
            _notify_built(report, now)
            _store_kpi_month(report, now)
    except IntegrityError:
        return None
    return report


def estates_missing_report(*, month: date) -> list[Estate]:
    """Estates with no report of `month` yet: the schedule's due work."""
    built = MonthlyReport.objects.filter(month=month_start(month)).values("estate_id")
    return list(Estate.objects.exclude(pk__in=built).order_by("code"))


def build_due_monthly_reports(*, now: datetime | None = None) -> list[MonthlyReport]:
    """Last month's report of every estate that has none yet."""
    now = now or timezone.now()
    month = previous_month(now)
    built = []
    for estate in estates_missing_report(month=month):
        report = build_monthly_report(estate=estate, month=month, now=now)
        if report is not None:
            built.append(report)
    return built


@transaction.atomic
def rebuild_monthly_report(
    *, report: MonthlyReport, actor, reason: str, now: datetime | None = None
) -> MonthlyReport:
    """A new version of the report with today's figures, which becomes the current one; the old
    versions are kept as they were. Refused without a reason: a published report changes only
    with a written why. Whoever asks must hold `dashboards.rebuild_monthlyreport` (the view and
    the API check it)."""
    now = now or timezone.now()
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Say why the report is rebuilt: a reason is required."), code="reason_required")
    if len(reason) > REASON_MAX_LENGTH:
        raise DomainError(
            _("The reason is too long (at most %(n)s characters).") % {"n": REASON_MAX_LENGTH},
            code="reason_too_long",
        )
    # Lock the current version so two rebuilds at once make two versions, one after the other.
    current = (
        MonthlyReport.objects.select_for_update()
        .filter(estate_id=report.estate_id, month=report.month, is_current=True)
        .first()
    )
    latest = (
        MonthlyReport.objects.filter(estate_id=report.estate_id, month=report.month)
        .order_by("-version")
        .values_list("version", flat=True)
        .first()
        or 0
    )
    figures = build_figures(estate=report.estate, month=report.month, now=now)
    if current is not None:
        current.is_current = False
        current.save(update_fields=["is_current"])
    new = MonthlyReport.objects.create(
        estate_id=report.estate_id,
        month=report.month,
        version=latest + 1,
        is_current=True,
        figures=figures,
        built_at=now,
        built_by=actor,
        reason=reason,
    )
    _notify_built(new, now)
    _store_kpi_month(new, now)
    return new
