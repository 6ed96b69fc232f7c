from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from dashboards.kpis import KPI_BY_CODE, KPIS
from dashboards.models import KpiTarget
from servicecenter.admin import EstateScopedAdminMixin


class KpiTargetForm(forms.ModelForm):
    code = forms.ChoiceField(label=_("KPI"), choices=[(kpi.code, kpi.label) for kpi in KPIS])

    class Meta:
        model = KpiTarget
        fields = ["estate", "code", "target", "amber_margin"]
        help_texts = {
            "target": _("A rate as a share (0.95 = 95%), a survey score out of 5, money in yuan."),
            "amber_margin": _(
                "How far below the target a figure is still amber rather than red, in the same unit."
            ),
        }


@admin.register(KpiTarget)
class KpiTargetAdmin(EstateScopedAdminMixin, admin.ModelAdmin):
    """Configuration: an estate's own KPI targets, read by `dashboards.kpis.kpi_board` to colour
    the dashboard red, amber or green; without a row the KPI's default target applies. One row per
    estate and KPI is a DB constraint."""

    form = KpiTargetForm
    estate_lookup = "estate"
    list_display = ["estate", "kpi_label", "target", "amber_margin"]
    list_filter = ["estate"]
    list_select_related = ["estate"]

    @admin.display(description=_("KPI"), ordering="code")
    def kpi_label(self, obj: KpiTarget) -> str:
        kpi = KPI_BY_CODE.get(obj.code)
        return str(kpi.label) if kpi else obj.code
