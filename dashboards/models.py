"""Targets the estate's KPIs are judged against (red/amber/green on the dashboard)."""

from decimal import Decimal

from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _


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
