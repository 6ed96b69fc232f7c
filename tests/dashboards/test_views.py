"""The dashboard page (/dashboard/): who sees it, which estates, the month filter, the landing
redirect, the board and glance with their links, the company's comparison and ranking, and a
query count that does not grow with the data."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from dashboards.models import KpiTarget
from moveins import services as movein_services
from moveins.models import MoveIn, SpotCheck
from servicecenter.periods import add_months, month_start
from tests.factories import make_staff
from tests.moveins.factories import MoveInFactory
from tests.tickets.factories import register
from tickets import services as ticket_services

pytestmark = pytest.mark.django_db
URL = "/dashboard/"


def this_month() -> str:
    return f"{timezone.localdate():%Y-%m}"


def _resolve(ticket, actor, team, when):
    ticket_services.assign_ticket(ticket=ticket, actor=actor, team=team, now=when - timedelta(hours=2))
    ticket_services.start_ticket(ticket=ticket, actor=actor, now=when - timedelta(hours=1))
    ticket_services.resolve_ticket(ticket=ticket, actor=actor, note="已修复", now=when)


# --- who -----------------------------------------------------------------------------------------


def test_the_url_is_dashboard():
    assert reverse("dashboards:index") == URL


@pytest.mark.parametrize("role", ["supervisor", "manager", "company"])
def test_kpi_readers_see_the_dashboard(client_as, users, estate_a, role):
    response = client_as(users[role]).get(URL, {"estate": estate_a.pk})
    assert response.status_code == 200
    assert response.context["estate"] == estate_a
    assert 'data-testid="kpi-board"' in response.content.decode()


@pytest.mark.parametrize("role", ["technician", "frontdesk", "clerk", "housekeeper", "engineer"])
def test_other_staff_are_refused(client_as, users, role):
    assert client_as(users[role]).get(URL).status_code == 403


def test_a_resident_gets_404(client_as, resident):
    assert client_as(resident).get(URL).status_code == 404


def test_a_supervisor_sees_only_own_estates(client_as, users, estate_a, estate_b):
    client = client_as(users["supervisor"])
    assert client.get(URL, {"estate": estate_b.pk}).status_code == 404
    assert client.get(URL, {"estate": "abc"}).status_code == 404
    response = client.get(URL)
    assert response.context["estate"] == estate_a  # no estate named: the first of one's own
    assert list(response.context["form"].fields["estate"].queryset) == [estate_a]


def test_the_company_sees_every_estate(client_as, users, estate_a, estate_b):
    assert client_as(users["company"]).get(URL, {"estate": estate_b.pk}).context["estate"] == estate_b


# --- the month ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("month", ["2025-13", "March", "２０２５-０３", "0001-01"])
def test_a_malformed_month_is_a_form_error(client_as, users, estate_a, month):
    response = client_as(users["manager"]).get(URL, {"estate": estate_a.pk, "month": month})
    assert response.status_code == 400
    assert "Enter a month as YYYY-MM" in response.content.decode()
    assert "dashboard" not in response.context


def test_a_future_month_is_a_form_error(client_as, users, estate_a):
    future = add_months(month_start(timezone.localdate()), 1)
    response = client_as(users["manager"]).get(URL, {"estate": estate_a.pk, "month": f"{future:%Y-%m}"})
    assert response.status_code == 400
    assert "has not begun yet" in response.content.decode()


def test_a_past_month_has_no_glance_and_its_trend_ends_there(client_as, users, estate_a):
    response = client_as(users["manager"]).get(URL, {"estate": estate_a.pk, "month": "2025-03"})
    assert response.status_code == 200
    dashboard = response.context["dashboard"]
    assert dashboard.glance is None
    assert 'data-testid="glance"' not in response.content.decode()
    assert dashboard.trend["months"][0] == "2024-04" and dashboard.trend["months"][-1] == "2025-03"


# --- what it shows -----------------------------------------------------------------------------------


def test_the_board_shows_figure_target_status_word_and_the_list_behind(
    client_as,
    users,
    unit_a,
    maintenance,
):
    supervisor = users["supervisor"]
    ticket = register(supervisor, unit_a)
    _resolve(ticket, supervisor, maintenance, ticket.resolution_due_at + timedelta(days=1))
    KpiTarget.objects.create(estate=unit_a.estate, code="timely_handling_rate", target=Decimal("0.80"))
    # The local month (a UTC `now` is still last month in the first hours of the 1st).
    response = client_as(users["manager"]).get(URL, {"estate": unit_a.estate.pk, "month": this_month()})
    html = response.content.decode()
    row = html[html.index('data-kpi="timely_handling_rate"') :]
    row = row[: row.index("</tr>")]
    assert "0.0%" in row and "80.0%" in row  # the figure and the estate's own target
    assert "rag-red" in row and "Off target" in row  # a word, not colour alone
    assert f"/tickets/?estate={unit_a.estate.pk}&amp;created_after=" in row


def test_the_glance_tiles_link_to_their_lists(client_as, users, unit_a):
    register(users["supervisor"], unit_a)
    response = client_as(users["supervisor"]).get(URL)
    glance = response.context["dashboard"].glance
    assert glance.open_total == 1
    html = response.content.decode()
    panel = html[html.index('data-testid="glance"') :]
    for name in ("open", "overdue", "callbacks", "on_duty", "money"):
        assert glance.links[name].replace("&", "&amp;") in panel, name


def test_the_trend_is_embedded_as_json_for_the_charts(client_as, users, estate_a):
    html = client_as(users["manager"]).get(URL).content.decode()
    assert '<script id="dashboard-trend" type="application/json">' in html
    assert 'src="/static/js/dashboard.js"' in html and "vendor/echarts/echarts.min.js" in html
    for chart in ("tickets", "fees", "arrears", "works", "survey"):
        assert f'data-chart="{chart}"' in html
    assert "<script>" not in html  # nothing inline: the CSP allows no inline script


def test_the_company_compares_its_estates_and_ranks_them(
    client_as,
    users,
    unit_a,
    estate_b,
    maintenance,
):
    supervisor = users["supervisor"]
    on_time = register(supervisor, unit_a)
    _resolve(on_time, supervisor, maintenance, timezone.now())
    response = client_as(users["company"]).get(URL, {"estate": unit_a.estate.pk})
    dashboard = response.context["dashboard"]
    assert [estate for estate, _board in dashboard.comparison] == sorted(
        [unit_a.estate, estate_b], key=lambda e: e.code
    )
    # Estate A handled its one ticket on time (green); estate B has no figures at all.
    assert dashboard.ranking[0][1] == unit_a.estate and dashboard.ranking[0][2] >= 1
    assert dashboard.ranking[1][1] == estate_b and dashboard.ranking[1][2] == 0
    html = response.content.decode()
    assert 'data-testid="comparison"' in html and 'data-testid="ranking"' in html
    assert f'data-estate="{estate_b.code}"' in html


def test_a_manager_without_the_compare_permission_gets_no_comparison(client_as, users, estate_a, estate_b):
    manager = make_staff("manager", estate_a, estate_b, username="two-estates")
    response = client_as(manager).get(URL)
    assert response.context["dashboard"].comparison == []
    assert 'data-testid="comparison"' not in response.content.decode()


def test_the_manager_gets_a_link_to_the_estates_targets(client_as, users, estate_a):
    users["manager"].is_staff = True
    users["manager"].save(update_fields=["is_staff"])
    html = client_as(users["manager"]).get(URL).content.decode()
    assert f"/admin/dashboards/kpitarget/?estate__id__exact={estate_a.pk}" in html
    assert 'data-testid="edit-targets"' not in client_as(users["supervisor"]).get(URL).content.decode()


def test_the_manager_sees_this_months_spot_checks_on_the_dashboard(client_as, users, estate_a, unit_a):
    record = MoveInFactory(unit=unit_a, status=MoveIn.Status.COMPLETED)
    movein_services.record_spot_check(
        actor=users["manager"], move_in=record, result=SpotCheck.Result.IN_ORDER
    )
    html = client_as(users["manager"]).get(URL).content.decode()
    assert 'data-testid="spot-checks"' in html
    assert f"{reverse('moveins:spot_checks')}?estate={estate_a.pk}&amp;month={this_month()}" in html
    assert 'data-testid="spot-checks"' not in client_as(users["supervisor"]).get(URL).content.decode()


# --- landing -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["supervisor", "manager", "company"])
def test_dashboard_roles_land_on_the_dashboard(client_as, users, role):
    response = client_as(users[role]).get(reverse("home"))
    assert response.status_code == 302 and response["Location"] == URL


@pytest.mark.parametrize("role", ["frontdesk", "clerk", "housekeeper"])
def test_desk_roles_keep_the_home_page(client_as, users, role):
    assert client_as(users[role]).get(reverse("home")).status_code == 200


def test_the_menu_links_the_dashboard_for_its_readers_only(client_as, users):
    assert f'href="{URL}"' in client_as(users["supervisor"]).get(URL).content.decode()
    assert f'href="{URL}"' not in client_as(users["frontdesk"]).get(reverse("home")).content.decode()


# --- queries ---------------------------------------------------------------------------------------


def _count(client, params) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(URL, params).status_code == 200
    return len(queries)


def test_the_query_count_does_not_grow_with_the_data(
    client_as,
    users,
    unit_a,
    estate_b,
    maintenance,
    django_assert_max_num_queries,
):
    supervisor = users["supervisor"]
    client = client_as(users["company"])
    params = {"estate": unit_a.estate.pk}
    register(supervisor, unit_a)
    client.get(URL, params)  # warm the per-process caches (content types, policies)
    few = _count(client, params)
    now = timezone.now()
    for months_back in range(0, 6):
        for _n in range(3):
            when = now - timedelta(days=30 * months_back)
            ticket = register(supervisor, unit_a, now=when)
            _resolve(ticket, supervisor, maintenance, when + timedelta(hours=3))
    many = _count(client, params)
    assert many == few
    # Two estates compared, twelve months of trend: a fixed budget whatever the data.
    with django_assert_max_num_queries(260):
        client.get(URL, params)
