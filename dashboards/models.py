"""Targets the estate's KPIs are judged against (red/amber/green on the dashboard), and the
monthly reports."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

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
