"""Performance pages, export and API: who sees which rows, sorting, query counts."""

from datetime import date, datetime
from io import BytesIO
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from tests.factories import make_staff
from tests.staff.test_performance import records  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db
LIST = reverse("performance:list")
API = "/api/staff/performance/"


def query(estate, **extra):
    return {"estate": estate.pk, "month": "2025-03", **extra}


def test_manager_sees_everyone_sorted_with_definitions(records, estate_a, users, client_as):  # noqa: F811
    response = client_as(users["manager"]).get(LIST, query(estate_a, sort="-callbacks_done"))
    assert response.status_code == 200
    names = [line["row"].name for line in response.context["table"]]
    assert names[0] == records["li"].get_full_name()  # two callbacks: first when sorted descending
    assert len(names) == len(users) - 1 + 2  # estate A's role users (not company) plus Li and Wang
    assert "40.00%" in response.content.decode()
    assert "How each figure is counted" in response.content.decode()


def test_sorting_puts_empty_figures_last(records, estate_a, users, client_as):  # noqa: F811
    response = client_as(users["manager"]).get(LIST, query(estate_a, sort="timely_handling_rate"))
    rows = [line["row"] for line in response.context["table"]]
    assert rows[0].user_id == records["wang"].pk
    assert all(row.timely_handling_rate is None for row in rows[1:])


def test_supervisor_of_another_estate_cannot_pick_this_one(records, estate_a, estate_b, client_as):  # noqa: F811
    other = make_staff("supervisor", estate_b, username="sup-b")
    response = client_as(other).get(LIST, query(estate_a))
    assert response.status_code == 200
    assert response.context["estate"] is None
    assert "estate" in response.context["form"].errors


def test_housekeeper_may_not_read_the_table(records, estate_a, client_as):  # noqa: F811
    assert client_as(records["li"]).get(LIST, query(estate_a)).status_code == 403


def test_staff_member_sees_only_their_own_figures(records, estate_a, client_as):  # noqa: F811
    response = client_as(records["li"]).get(reverse("performance:me"), {"month": "2025-03"})
    assert response.status_code == 200
    ((estate, cells),) = response.context["own"]
    assert estate == estate_a
    values = dict((str(label), cell) for label, _help, cell in cells)
    assert values["Callbacks done"] == "2"
    assert values["Zone collection rate"] == "40.00%"
    assert values["Attendance"] == "—"
    assert records["wang"].get_full_name() not in response.content.decode()


def test_resident_gets_404(estate_a, resident, client_as):
    assert client_as(resident).get(reverse("performance:me")).status_code == 404
    assert client_as(resident).get(LIST).status_code == 404


def test_export_is_a_workbook_with_every_row(records, estate_a, users, client_as):  # noqa: F811
    response = client_as(users["manager"]).get(reverse("performance:export"), query(estate_a))
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    sheet = load_workbook(BytesIO(response.content)).active
    by_name = {row[0]: row for row in sheet.iter_rows(min_row=2, values_only=True) if row and row[0]}
    li = by_name[records["li"].get_full_name()]
    assert li[2:4] == (1, None)  # one ticket handled; no ticket of hers judged on time
    assert li[6] == 2  # callbacks done
    attendance = list(sheet[1]).index(next(c for c in sheet[1] if c.value == "Attendance"))
    assert li[attendance] is None  # no shift of hers ended


def test_export_carries_the_attendance_rate(records, estate_a, users, client_as):  # noqa: F811
    from staff import services_attendance
    from staff.models import Team
    from tests.factories import TeamFactory
    from tests.staff.rostering import put

    wang = records["wang"]
    desk = TeamFactory(estate=estate_a, kind=Team.Kind.CUSTOMER_SERVICE, name="客服组")
    put(desk, wang, date(2025, 3, 3), "morning")
    put(desk, wang, date(2025, 3, 4), "morning")
    services_attendance.clock_in(user=wang, now=datetime(2025, 3, 3, 8, 50, tzinfo=ZoneInfo("Asia/Shanghai")))
    response = client_as(users["manager"]).get(reverse("performance:export"), query(estate_a))
    sheet = load_workbook(BytesIO(response.content)).active
    header = [cell.value for cell in sheet[1]]
    by_name = {row[0]: row for row in sheet.iter_rows(min_row=2, values_only=True) if row and row[0]}
    assert by_name[wang.get_full_name()][header.index("Attendance")] == 0.5


def test_page_query_count_does_not_grow_with_people(
    records,  # noqa: F811
    estate_a,
    users,
    client_as,
    django_assert_max_num_queries,  # noqa: F811
):
    client = client_as(users["manager"])
    for n in range(5):
        make_staff("technician", estate_a, username=f"more{n}")
    client.get(LIST)
    with django_assert_max_num_queries(21):
        assert client.get(LIST, query(estate_a)).status_code == 200
    # The estates of the picker are read once: for the default, the options and the choice.
    with django_assert_max_num_queries(21):
        assert client.get(LIST).status_code == 200


def test_an_estate_out_of_reach_is_a_form_error(records, estate_a, estate_b, users, client_as):  # noqa: F811
    response = client_as(users["supervisor"]).get(LIST, query(estate_b))
    assert response.status_code == 200
    assert response.context["estate"] is None and "estate" in response.context["form"].errors


def test_api_manager_gets_every_row(records, estate_a, users, api_as):  # noqa: F811
    response = api_as(users["manager"]).get(API, query(estate_a))
    assert response.status_code == 200
    rows = {row["user"]: row for row in response.json()}
    assert rows[records["li"].pk]["zone_collection_rate"] == "40.00"
    # Judged today, the ticket still open since 30 March is past its deadline: 1 on time of 3.
    assert rows[records["wang"].pk]["timely_handling_rate"] == 0.3333
    assert rows[records["wang"].pk]["attendance_rate"] is None


def test_api_staff_member_gets_only_their_row(records, estate_a, api_as):  # noqa: F811
    response = api_as(records["wang"]).get(API, query(estate_a))
    assert response.status_code == 200
    assert [row["user"] for row in response.json()] == [records["wang"].pk]
    assert response.json()[0]["tickets_handled"] == 2


def test_api_other_estate_is_404_and_bad_month_400(records, estate_a, estate_b, users, api_as):  # noqa: F811
    assert api_as(users["manager"]).get(API, query(estate_b)).status_code == 404
    assert api_as(users["manager"]).get(API, {"estate": estate_a.pk, "month": "2025-13"}).status_code == 400


def test_api_resident_gets_404(estate_a, resident, api_as):
    assert api_as(resident).get(API, query(estate_a)).status_code == 404


def test_api_query_count(records, estate_a, users, api_as, django_assert_max_num_queries):  # noqa: F811
    client = api_as(users["manager"])
    with django_assert_max_num_queries(20):
        assert client.get(API, query(estate_a)).status_code == 200


def test_month_defaults_to_the_current_one(users, estate_a, client_as):
    response = client_as(users["manager"]).get(LIST)
    assert response.status_code == 200
    assert response.context["month"] == timezone.localdate().replace(day=1)
    assert response.context["estate"] == estate_a
