"""Targets the estate's KPIs are judged against (red/amber/green on the dashboard), repeat
repairs (返修) found among the tickets, which the manager works through, and the monthly reports."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from servicecenter.scoping import ScopedQuerySet


class KpiTarget(models.Model):
    """One estate's target for one KPI (`dashboards.kpis.KPIS` code). Without a row the KPI's
    default target applies. `amber_margin` is how far on the wrong side of the target a figure
    is still amber rather than red, in the KPI's own unit (0.05 = five points of a rate)."""

    estate = models.ForeignKey(
        "residents.Estate", on_delete=models.CASCADE, related_name="+", verbose_name=_("estate")
    )
    code = models.CharField(_("KPI"), max_length=60)
    target = models.DecimalField(
        _("target"), max_digits=12, decimal_places=4, validators=[MinValueValidator(Decimal("0"))]
    )
    amber_margin = models.DecimalField(
        _("amber margin"),
        max_digits=12,
        decimal_places=4,
        default=Decimal("0.05"),
        validators=[MinValueValidator(Decimal("0"))],
    )

    class Meta:
        verbose_name = _("KPI target")
        verbose_name_plural = _("KPI targets")
        ordering = ["estate", "code"]
        constraints = [models.UniqueConstraint(fields=["estate", "code"], name="kpi_target_one_per_estate")]
        permissions = [
            ("view_dashboard", _("Can view the manager dashboard")),
            ("compare_estates", _("Can compare estates side by side")),
        ]

    def __str__(self) -> str:
        return f"{self.estate} {self.code} {self.target}"


class RepeatRepairQuerySet(ScopedQuerySet):
    def open(self):
        return self.filter(status__in=RepeatRepair.OPEN_STATES)


class RepeatRepair(models.Model):
    """A repair that came back (返修): `ticket` is a repair of the same category, at the same unit or
    the same public location, registered within `REPEAT_WINDOW` (30×24 hours) after `previous`,
    the nearest such earlier repair. Derived from ticket rows by
    `dashboards.services_repeats.detect_repeat_repairs` (nightly and on demand); the unique
    constraint records a pair once, however often detection runs. The manager works through it:
    acknowledged, a root-cause action assigned (cause, what is to be done, who, by when), closed
    with the outcome; or dismissed when it is not really the same fault."""

    class Status(models.TextChoices):
        OPEN = "open", pgettext_lazy("repeat repair status", "Open")
        ACKNOWLEDGED = "acknowledged", pgettext_lazy("repeat repair status", "Acknowledged")
        ACTION_ASSIGNED = "action_assigned", pgettext_lazy("repeat repair status", "Action assigned")
        CLOSED = "closed", pgettext_lazy("repeat repair status", "Closed")
        DISMISSED = "dismissed", pgettext_lazy("repeat repair status", "Dismissed")

    OPEN_STATES = (Status.OPEN, Status.ACKNOWLEDGED, Status.ACTION_ASSIGNED)

    estate = models.ForeignKey(
        "residents.Estate", on_delete=models.PROTECT, related_name="+", verbose_name=_("estate")
    )
    ticket = models.ForeignKey(
        "tickets.Ticket", on_delete=models.PROTECT, related_name="+", verbose_name=_("repeat repair")
    )
    previous = models.ForeignKey(
        "tickets.Ticket", on_delete=models.PROTECT, related_name="+", verbose_name=_("earlier repair")
    )
    category = models.ForeignKey(
        "tickets.TicketCategory", on_delete=models.PROTECT, related_name="+", verbose_name=_("category")
    )
    unit = models.ForeignKey(
        "residents.Unit",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("unit"),
    )
    public_location = models.ForeignKey(
        "tickets.PublicLocation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("public location"),
    )
    gap = models.DurationField(_("time since the earlier repair"))
    detected_at = models.DateTimeField(_("detected at"), default=timezone.now)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.OPEN, db_index=True
    )
    root_cause = models.ForeignKey(
        "tickets.RootCause",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("root cause"),
    )
    action_description = models.TextField(_("action to take"), blank=True)
    action_owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("action owner"),
    )
    action_due_date = models.DateField(_("action due"), null=True, blank=True)
    outcome = models.TextField(_("outcome"), blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    objects = RepeatRepairQuerySet.as_manager()

    class Meta:
        verbose_name = _("repeat repair")
        verbose_name_plural = _("repeat repairs")
        ordering = ["-detected_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["ticket", "previous"], name="repeat_repair_pair_once"),
            models.CheckConstraint(condition=~Q(ticket=F("previous")), name="repeat_repair_two_tickets"),
        ]
        indexes = [models.Index(fields=["estate", "status", "detected_at"], name="repeat_repair_queue_idx")]
        permissions = [("work_repeatrepair", _("Can work through repeat repairs"))]

    def __str__(self) -> str:
        return f"{self.ticket_id} ← {self.previous_id}"

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATES


class RepeatRepairEvent(models.Model):
    repeat = models.ForeignKey(
        RepeatRepair, on_delete=models.CASCADE, related_name="events", verbose_name=_("repeat repair")
    )
    action = models.CharField(_("action"), max_length=40)
    from_status = models.CharField(_("from"), max_length=16, choices=RepeatRepair.Status.choices, blank=True)
    to_status = models.CharField(_("to"), max_length=16, choices=RepeatRepair.Status.choices, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("who"),
    )
    note = models.TextField(_("note"), blank=True)
    created_at = models.DateTimeField(_("when"), default=timezone.now)

    class QuerySet(ScopedQuerySet):
        estate_lookup = "repeat__estate"

    objects = QuerySet.as_manager()

    class Meta:
        verbose_name = _("repeat repair event")
        verbose_name_plural = _("repeat repair events")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.repeat_id} {self.action}"


class MonthlyReportQuerySet(ScopedQuerySet):
    def current(self) -> MonthlyReportQuerySet:
        return self.filter(is_current=True)


class MonthlyReport(models.Model):
    """One version of an estate's monthly report (月度分析报告, issue #15): the month's figures as a
    JSON snapshot taken when it was built. The page, the Excel file and the PDF render the
    snapshot and never recompute it, so a later correction of the data does not change a report
    that has gone out; a manager rebuilds with a reason instead, which adds a version and keeps
    the old one. One current version per estate and month (a unique constraint), so the monthly
    task may run twice, or late, and builds each report once."""

    estate = models.ForeignKey(
        "residents.Estate", on_delete=models.PROTECT, related_name="+", verbose_name=_("estate")
    )
    month = models.DateField(_("month"), help_text=_("First day of the month reported."))
    version = models.PositiveSmallIntegerField(_("version"), default=1)
    is_current = models.BooleanField(_("current"), default=True)
    figures = models.JSONField(_("figures"), default=dict, editable=False)
    built_at = models.DateTimeField(_("built at"))
    built_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("built by"),
        help_text=_("Empty: built by the monthly schedule."),
    )
    reason = models.TextField(_("reason for rebuilding"), blank=True)

    objects = MonthlyReportQuerySet.as_manager()

    class Meta:
        verbose_name = _("monthly report")
        verbose_name_plural = _("monthly reports")
        ordering = ["-month", "estate_id", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["estate", "month"],
                condition=models.Q(is_current=True),
                name="monthly_report_one_current",
            ),
            models.UniqueConstraint(
                fields=["estate", "month", "version"], name="monthly_report_version_once"
            ),
        ]
        indexes = [models.Index(fields=["month", "estate"], name="monthly_report_month_estate")]
        permissions = [("rebuild_monthlyreport", _("Can rebuild a monthly report"))]

    def __str__(self) -> str:
        return f"{self.estate} {self.month:%Y-%m} v{self.version}"


class KpiMonth(models.Model):
    """One estate's KPI figures of one closed calendar month, as `dashboards.kpis.month_figures`
    computed them (stored by `kpis.figures_to_json`: rates and the survey score as numbers, money
    as a decimal string, null without a figure). A closed month changes little, so the 12-month
    trend and the estates comparison read it from here in one query instead of recomputing every
    KPI of every month on each page view (issue #15). Written only by `dashboards.services_kpis`:
    by the first read that needs a month, by the monthly report build (the same figures), by the
    nightly refresh of the month just closed during its first days (late callbacks still land
    then) and by `manage.py rebuild_kpi_months`. The current month is never stored: it is live."""

    estate = models.ForeignKey(
        "residents.Estate", on_delete=models.CASCADE, related_name="+", verbose_name=_("estate")
    )
    month = models.DateField(_("month"), help_text=_("First day of the month."))
    figures = models.JSONField(_("figures"), default=dict, editable=False)
    computed_at = models.DateTimeField(_("computed at"))

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("KPI figures of a month")
        verbose_name_plural = _("KPI figures of months")
        ordering = ["estate", "month"]
        constraints = [models.UniqueConstraint(fields=["estate", "month"], name="kpi_month_once")]

    def __str__(self) -> str:
        return f"{self.estate_id} {self.month:%Y-%m}"
