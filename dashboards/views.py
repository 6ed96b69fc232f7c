"""The manager dashboard page (/dashboard/): filters, today at a glance, the month's KPI board,
12-month trend charts and, for the company, its estates side by side. Reads only, from the read
replica when there is one."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET

from dashboards import selectors
from dashboards.forms import DashboardFilterForm
from dashboards.roles import VIEW
from moveins.reports import spot_check_status
from residents.models import Estate
from servicecenter.desk import desk_page
from servicecenter.replica import replica_reads

SPOT_CHECK_MOVEIN = "moveins.spot_check_movein"
# The manager's move-in spot checks (once on the home page) for this many estates at most.
MAX_SPOT_CHECK_ESTATES = 8


def _figure_row(figure) -> dict:
    icon, label = selectors.COLOUR_LABELS[figure.colour]
    return {"figure": figure, "icon": icon, "status": label}


def _spot_checks(user, month) -> list[dict]:
    if not user.has_perm(SPOT_CHECK_MOVEIN):
        return []
    estates = Estate.objects.visible_to(user).order_by("code")[:MAX_SPOT_CHECK_ESTATES]
    return [{"estate": estate, "status": spot_check_status(estate=estate, month=month)} for estate in estates]


def _targets_link(user, estate) -> str | None:
    if not (user.is_staff and user.has_perm("dashboards.change_kpitarget")):
        return None
    return f"{reverse('admin:dashboards_kpitarget_changelist')}?estate__id__exact={estate.pk}"


@desk_page(VIEW)
@require_GET
@replica_reads
def dashboard_page(request: HttpRequest) -> HttpResponse:
    estate = selectors.estate_in_reach(request.user, request.GET.get("estate"))
    data = request.GET.copy()
    data["estate"] = str(estate.pk)
    form = DashboardFilterForm(data, user=request.user)
    context = {"form": form, "estate": estate, "targets_link": _targets_link(request.user, estate)}
    if not form.is_valid():
        return render(request, "dashboards/dashboard.html", context, status=400)
    result = selectors.dashboard(user=request.user, estate=estate, month=form.cleaned_data["month"])
    context.update(
        {
            "dashboard": result,
            "rows": [_figure_row(figure) for figure in result.board],
            "kpis": [figure.kpi for figure in result.board],
            "comparison": [
                (other, [_figure_row(figure) for figure in board]) for other, board in result.comparison
            ],
            "colour_labels": [
                (colour, *selectors.COLOUR_LABELS[colour]) for colour in selectors.COLOUR_LABELS
            ],
            "spot_checks": _spot_checks(request.user, result.month) if result.is_current_month else [],
        }
    )
    return render(request, "dashboards/dashboard.html", context)
