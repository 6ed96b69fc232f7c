"""The manager dashboard, its metrics API and the KPI board on the large data set (300k tickets,
1M bills from the earlier scenarios), against the floor: issue #15 aims at ≤ 100× the floor (#16:
≤ 40×) and a query count independent of the data size (the query count printed here is the same
at every --scale; tests/dashboards/test_kpi_months.py asserts the bound). Closed months come from
the stored KPI months (`dashboards.KpiMonth`), filled by the warm-up requests; the current month
is a snapshot at most KPI_LIVE_MAX_AGE_SECONDS old (issue #16), the glance is live."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.utils import timezone

from dashboards import kpis
from servicecenter.periods import add_months, month_start

User = get_user_model()


def run(bench) -> None:
    bench.section("Dashboards")
    estate = bench.data["estate"]
    users = bench.data["users"]
    manager = bench.client_for(users["manager"])
    supervisor = bench.client_for(users["supervisor"])
    this_month = month_start(timezone.localdate())
    last_month = add_months(this_month, -1)
    bench.measure("dashboard, this month (glance + board + trends)", manager, "get", "/dashboard/")
    bench.measure(
        "dashboard, last month",
        supervisor,
        "get",
        "/dashboard/",
        data={"estate": estate.pk, "month": f"{last_month:%Y-%m}"},
    )
    bench.measure(
        "dashboard, company, last month (estates compared)",
        bench.client_for(users["company"]),
        "get",
        "/dashboard/",
        data={"estate": estate.pk, "month": f"{last_month:%Y-%m}"},
    )
    bench.measure(
        "API dashboard metrics (estate, month)",
        manager,
        "get",
        "/api/dashboard/metrics/",
        data={"estate": estate.pk, "month": f"{last_month:%Y-%m}"},
    )
    bench.measure(
        "API dashboard metrics (estate, this month)",
        manager,
        "get",
        "/api/dashboard/metrics/",
        data={"estate": estate.pk},
    )
    bench.time_call(
        "KPI board of one estate and month (in process)",
        lambda: kpis.kpi_board(estate=estate, month=last_month),
    )
