"""The one month helper (`servicecenter.periods`) that billing periods, the KPIs and the callback
sampling all use."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django import forms

from servicecenter import periods
from servicecenter.api import MonthField
from servicecenter.forms import MonthFormField

TZ = ZoneInfo("Asia/Shanghai")


def test_previous_month_is_local():
    # 16:30 UTC on 31 March is already 1 April in Shanghai.
    assert periods.previous_month(datetime(2025, 3, 31, 16, 30, tzinfo=ZoneInfo("UTC"))) == date(2025, 3, 1)
    assert periods.previous_month(datetime(2025, 1, 1, 6, tzinfo=TZ)) == date(2024, 12, 1)


def test_month_bounds_are_aware_local_and_half_open():
    start, end = periods.month_bounds(date(2024, 12, 17))
    assert start == datetime(2024, 12, 1, tzinfo=TZ)
    assert end == datetime(2025, 1, 1, tzinfo=TZ)
    assert start.tzinfo is not None and end.tzinfo is not None


@pytest.mark.parametrize(
    "text, month",
    [
        ("2025-03", date(2025, 3, 1)),
        ("2025-3", date(2025, 3, 1)),
        (" 2025-03-01 ", date(2025, 3, 1)),
        ("2025-13", None),
        ("0001-01", None),
        ("9999-12", None),
        ("２０２５-03", None),
        ("March", None),
        ("", None),
    ],
)
def test_parse_month(text, month):
    assert periods.parse_month(text) == month


def test_the_form_and_api_fields_read_months_the_same_way():
    assert MonthFormField().clean("2025-03") == date(2025, 3, 1)
    assert MonthField().to_internal_value("2025-03") == date(2025, 3, 1)
    assert MonthField().to_representation(date(2025, 3, 1)) == "2025-03"
    with pytest.raises(forms.ValidationError):
        MonthFormField().clean("0001-01")
    assert MonthFormField(required=False).clean("") is None


@pytest.mark.django_db
@pytest.mark.parametrize(
    "month, status", [("2025-03", 200), ("2025-13", 400), ("１９99-01", 400), ("1999-12", 400)]
)
def test_ticket_kpis_read_the_month_by_the_kernels_rule(api_as, users, estate_a, month, status):
    response = api_as(users["manager"]).get(f"/api/tickets/metrics/?estate={estate_a.pk}&month={month}")
    assert response.status_code == status, response.content


@pytest.mark.django_db
def test_desk_kpi_page_refuses_a_month_outside_the_range(client_as, users, estate_a):
    page = client_as(users["manager"]).get(f"/tickets/metrics/?estate={estate_a.pk}&month=0001-01")
    assert page.status_code == 200
    assert "Enter a month as YYYY-MM, e.g. 2025-03." in page.content.decode()
