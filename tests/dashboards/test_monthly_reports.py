"""The monthly report (issue #15): built once per estate and month by the schedule, frozen as a
snapshot, rebuilt by a manager only with a reason (old versions kept), rendered as a page, an
Excel workbook and a PDF, read by the estate's supervisor and manager and by the company."""

from datetime import date, datetime
from io import BytesIO
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from dashboards import services_reports, tasks
from dashboards.models import MonthlyReport
from servicecenter.exceptions import DomainError
from staff.models import Notification
from tests.tickets.factories import TicketFactory
from tickets.models import Ticket

pytestmark = pytest.mark.django_db
TZ = ZoneInfo("Asia/Shanghai")
MARCH = date(2025, 3, 1)
APRIL_2ND = datetime(2025, 4, 2, 4, 10, tzinfo=TZ)


@pytest.fixture
def march(users, unit_a, estate_b):
    """Three March tickets of estate A (two repairs, one complaint) and the report of April 2nd."""
    for kind in (Ticket.Kind.REPAIR, Ticket.Kind.REPAIR, Ticket.Kind.COMPLAINT):
        TicketFactory(unit=unit_a, kind=kind, created_at=datetime(2025, 3, 10, 9, tzinfo=TZ))
    return unit_a


def _report(estate):
    return MonthlyReport.objects.get(estate=estate, month=MARCH, is_current=True)


def _kinds(report) -> dict:
    return {row["key"]: row["count"] for row in report.figures["tickets"]["by_kind"]}


def test_the_schedule_builds_last_months_report_once_per_estate(march, estate_a, estate_b):
    built = services_reports.build_due_monthly_reports(now=APRIL_2ND)
    assert {r.estate_id for r in built} == {estate_a.pk, estate_b.pk}
    again = services_reports.build_due_monthly_reports(now=APRIL_2ND)
    assert again == []
    assert MonthlyReport.objects.filter(month=MARCH).count() == 2
    report = _report(estate_a)
    assert report.version == 1 and report.built_by is None
    assert report.figures["tickets"]["total"] == 3
    assert _kinds(report) == {"repair": 2, "complaint": 1}
    assert {k["code"] for k in report.figures["kpis"]} >= {"timely_handling_rate", "collection_rate"}
    assert _report(estate_b).figures["tickets"]["total"] == 0


def test_the_task_through_celery_twice_makes_one_report(march, estate_a, monkeypatch):
    from django.utils import timezone

    monkeypatch.setattr(timezone, "now", lambda: APRIL_2ND)
    tasks.build_monthly_reports.delay().get()
    tasks.build_monthly_reports.delay().get()
    assert MonthlyReport.objects.filter(estate=estate_a, month=MARCH).count() == 1


def test_a_missing_estate_is_made_up_on_the_next_run(march, estate_a, estate_b):
    services_reports.build_monthly_report(estate=estate_a, month=MARCH, now=APRIL_2ND)
    built = services_reports.build_due_monthly_reports(now=APRIL_2ND)
    assert [r.estate_id for r in built] == [estate_b.pk]


def test_managers_and_the_company_are_notified(march, estate_a, users):
    report = services_reports.build_monthly_report(estate=estate_a, month=MARCH, now=APRIL_2ND)
    told = set(
        Notification.objects.filter(kind="monthly_report").values_list("recipient__username", flat=True)
    )
    assert told == {"manager", "company"}
    assert Notification.objects.filter(url=reverse("monthly_reports:detail", args=[report.pk])).count() == 2


def test_a_published_report_does_not_change_when_the_data_does(march, estate_a):
    report = services_reports.build_monthly_report(estate=estate_a, month=MARCH, now=APRIL_2ND)
    Ticket.objects.filter(estate=estate_a, kind=Ticket.Kind.COMPLAINT).update(kind=Ticket.Kind.REPAIR)
    report.refresh_from_db()
    assert _kinds(report) == {"repair": 2, "complaint": 1}


def test_a_rebuild_with_a_reason_adds_a_current_version_and_keeps_the_old(march, estate_a, users):
    first = services_reports.build_monthly_report(estate=estate_a, month=MARCH, now=APRIL_2ND)
    Ticket.objects.filter(estate=estate_a, kind=Ticket.Kind.COMPLAINT).update(kind=Ticket.Kind.REPAIR)
    second = services_reports.rebuild_monthly_report(
        report=first, actor=users["manager"], reason="投诉误登记为维修，已更正"
    )
    first.refresh_from_db()
    assert (second.version, second.is_current, second.built_by, second.reason) == (
        2,
        True,
        users["manager"],
        "投诉误登记为维修，已更正",
    )
    assert first.is_current is False
    assert _kinds(first) == {"repair": 2, "complaint": 1}
    assert _kinds(second) == {"repair": 3}


@pytest.mark.parametrize("reason", ["", "   "])
def test_a_rebuild_without_a_reason_is_refused(march, estate_a, users, reason):
    first = services_reports.build_monthly_report(estate=estate_a, month=MARCH, now=APRIL_2ND)
    with pytest.raises(DomainError, match="reason is required"):
        services_reports.rebuild_monthly_report(report=first, actor=users["manager"], reason=reason)
    assert MonthlyReport.objects.filter(estate=estate_a).count() == 1


# --- pages and files ------------------------------------------------------------------------------


@pytest.fixture
def report(march, estate_a):
    return services_reports.build_monthly_report(estate=estate_a, month=MARCH, now=APRIL_2ND)


def test_the_page_renders_the_snapshot_and_its_versions(report, client_as, users):
    response = client_as(users["supervisor"]).get(reverse("monthly_reports:detail", args=[report.pk]))
    assert response.status_code == 200
    tables = {t["title"]: t for t in response.context["tables"]}
    assert ["Repair", "2"] in tables["Tickets by type"]["rows"]
    assert response.context["may_rebuild"] is False  # a supervisor reads, never rebuilds
    assert b"Rebuild this report" not in response.content


def test_the_manager_rebuilds_on_the_page_and_is_refused_without_a_reason(report, client_as, users):
    client = client_as(users["manager"])
    url = reverse("monthly_reports:rebuild", args=[report.pk])
    response = client.post(url, {"reason": ""}, follow=True)
    assert "a reason is required" in response.content.decode()
    assert MonthlyReport.objects.filter(estate=report.estate).count() == 1
    response = client.post(url, {"reason": "补录三月工单"})
    new = MonthlyReport.objects.get(estate=report.estate, is_current=True)
    assert new.version == 2 and response.url == reverse("monthly_reports:detail", args=[new.pk])
    page = client.get(response.url)
    assert [v.version for v, _by in page.context["versions"]] == [2, 1]


def test_a_supervisor_may_not_rebuild(report, client_as, users):
    response = client_as(users["supervisor"]).post(
        reverse("monthly_reports:rebuild", args=[report.pk]), {"reason": "x"}
    )
    assert response.status_code == 403
    assert MonthlyReport.objects.count() == 1


def test_the_excel_file_holds_the_figures(report, client_as, users):
    response = client_as(users["manager"]).get(reverse("monthly_reports:excel", args=[report.pk]))
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    book = load_workbook(BytesIO(response.content))
    rows = [list(row) for row in book["Tickets by type"].iter_rows(values_only=True)]
    assert rows[0] == ["Type", "Tickets"]
    assert ["Repair", "2"] in rows
    assert "2025-03" in book.worksheets[0]["A1"].value


def test_the_pdf_is_a_pdf(report, client_as, users):
    response = client_as(users["company"]).get(reverse("monthly_reports:pdf", args=[report.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")


# --- who may read ---------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["supervisor", "manager", "company"])
def test_readers_open_the_list_and_the_report(report, client_as, users, role):
    client = client_as(users[role])
    assert client.get(reverse("monthly_reports:list")).status_code == 200
    assert client.get(reverse("monthly_reports:detail", args=[report.pk])).status_code == 200


@pytest.mark.parametrize("role", ["frontdesk", "clerk", "housekeeper", "technician", "engineer"])
def test_other_staff_are_refused(report, client_as, users, role):
    assert client_as(users[role]).get(reverse("monthly_reports:detail", args=[report.pk])).status_code == 403


def test_another_estates_report_is_not_found(march, estate_b, client_as, users):
    other = services_reports.build_monthly_report(estate=estate_b, month=MARCH, now=APRIL_2ND)
    client = client_as(users["manager"])
    for name in ("detail", "excel", "pdf"):
        assert client.get(reverse(f"monthly_reports:{name}", args=[other.pk])).status_code == 404
    assert (
        client.post(reverse("monthly_reports:rebuild", args=[other.pk]), {"reason": "x"}).status_code == 404
    )
    listed = client.get(reverse("monthly_reports:list"))
    assert other.pk not in [r.pk for r in listed.context["reports"]]


def test_residents_get_404(report, client_as, resident):
    client = client_as(resident)
    assert client.get(reverse("monthly_reports:list")).status_code == 404
    assert client.get(reverse("monthly_reports:detail", args=[report.pk])).status_code == 404


def test_the_list_filters_by_estate_and_month_in_bounded_queries(
    march, estate_a, estate_b, client_as, users, django_assert_max_num_queries
):
    company = users["company"]
    for month in (date(2025, 1, 1), date(2025, 2, 1), MARCH):
        for estate in (estate_a, estate_b):
            services_reports.build_monthly_report(estate=estate, month=month, now=APRIL_2ND)
    first = MonthlyReport.objects.get(estate=estate_a, month=MARCH)
    services_reports.rebuild_monthly_report(report=first, actor=users["manager"], reason="更正")
    client = client_as(company)
    client.get(reverse("monthly_reports:list"))  # warm the session and permission caches
    # A fixed number whatever the rows (session, user, permissions, estates, count, page): six
    # reports with a per-row query would need more than ten.
    with django_assert_max_num_queries(10):
        response = client.get(reverse("monthly_reports:list"))
    rows = list(response.context["reports"])
    assert len(rows) == 6  # current versions only
    assert next(r for r in rows if r.estate_id == estate_a.pk and r.month == MARCH).version_count == 2
    response = client.get(reverse("monthly_reports:list"), {"estate": estate_b.pk, "month": "2025-02"})
    assert [(r.estate_id, r.month) for r in response.context["reports"]] == [(estate_b.pk, date(2025, 2, 1))]
    response = client.get(reverse("monthly_reports:list"), {"month": "not-a-month"})
    assert response.status_code == 200 and list(response.context["reports"]) == []


# --- API ------------------------------------------------------------------------------------------


def test_the_api_lists_reads_and_rebuilds(report, api_as, users):
    manager = api_as(users["manager"])
    listed = manager.get("/api/dashboard/reports/")
    assert listed.status_code == 200
    assert [r["id"] for r in listed.json()["results"]] == [report.pk]
    detail = manager.get(f"/api/dashboard/reports/{report.pk}/").json()
    assert detail["figures"]["tickets"]["total"] == 3
    refused = manager.post(f"/api/dashboard/reports/{report.pk}/rebuild/", {"reason": " "}, format="json")
    assert refused.status_code == 400
    rebuilt = manager.post(f"/api/dashboard/reports/{report.pk}/rebuild/", {"reason": "更正"}, format="json")
    assert rebuilt.status_code == 201 and rebuilt.json()["version"] == 2
    versions = manager.get("/api/dashboard/reports/", {"all_versions": "true"}).json()["results"]
    assert sorted(r["version"] for r in versions) == [1, 2]


def test_the_api_refuses_a_supervisors_rebuild(report, api_as, users):
    response = api_as(users["supervisor"]).post(
        f"/api/dashboard/reports/{report.pk}/rebuild/", {"reason": "x"}, format="json"
    )
    assert response.status_code == 403
