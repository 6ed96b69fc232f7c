"""The renovation desk pages: who sees them, estate scoping, the lists (filters, query counts),
the application form, the action forms and the printable permit."""

from datetime import date

import pytest
from django.urls import reverse
from django.utils import timezone

from renovations.models import Patrol, Renovation, RenovationEvent, RenovationWorker, Violation
from tests.factories import UnitFactory
from tests.renovations.conftest import worker
from tests.renovations.factories import (
    PatrolFactory,
    RenovationFactory,
    RenovationRulesFactory,
    RenovationWorkerFactory,
    ViolationFactory,
)
from tests.renovations.helpers import approved, permitted


@pytest.fixture
def renovation(unit_a):
    return RenovationFactory(unit=unit_a, status=Renovation.Status.IN_PROGRESS)


def _units(building, n):
    return [UnitFactory(building=building, entrance="1", number=f"{i + 100}") for i in range(n)]


# --- who sees the pages ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "role",
    ["frontdesk", "clerk", "housekeeper", "technician", "engineer", "supervisor", "manager", "company"],
)
def test_list_and_detail_render_for_every_staff_role(client_as, users, renovation, role):
    client = client_as(users[role])
    page = client.get(reverse("renovations:list"))
    assert page.status_code == 200
    assert renovation.number in page.content.decode()
    assert client.get(reverse("renovations:detail", args=[renovation.pk])).status_code == 200


def test_a_resident_gets_404_on_the_staff_pages(client_as, resident, renovation):
    client = client_as(resident)
    assert client.get(reverse("renovations:list")).status_code == 404
    assert client.get(reverse("renovations:detail", args=[renovation.pk])).status_code == 404
    assert client.get(reverse("renovations:create")).status_code == 404


def test_another_estates_renovation_is_a_404_and_not_listed(client_as, users, unit_b):
    theirs = RenovationFactory(unit=unit_b, status=Renovation.Status.IN_PROGRESS)
    client = client_as(users["manager"])
    assert client.get(reverse("renovations:detail", args=[theirs.pk])).status_code == 404
    assert client.get(reverse("renovations:permit", args=[theirs.pk])).status_code == 404
    assert theirs.number not in client.get(reverse("renovations:list") + "?view=all").content.decode()


def test_staff_without_the_permission_get_403(client_as, users, renovation):
    assert client_as(users["technician"]).get(reverse("renovations:create")).status_code == 403
    assert client_as(users["frontdesk"]).get(reverse("renovations:metrics")).status_code == 403
    response = client_as(users["frontdesk"]).post(
        reverse("renovations:action", args=[renovation.pk, "approve"])
    )
    assert response.status_code == 403


def test_the_menu_links_the_renovations_for_staff_who_may_see_them(client_as, users):
    assert reverse("renovations:list") in client_as(users["clerk"]).get(reverse("home")).content.decode()
    page = client_as(users["housekeeper"]).get(reverse("home")).content.decode()
    assert reverse("renovations:patrols") in page


# --- the list -----------------------------------------------------------------------------------


def test_list_shows_todays_patrol_of_each_active_renovation(client_as, users, building_a):
    done, due = (
        RenovationFactory(unit=u, status=Renovation.Status.IN_PROGRESS) for u in _units(building_a, 2)
    )
    today = timezone.localdate()
    PatrolFactory(renovation=done, date=today, result=Patrol.Result.OK)
    PatrolFactory(renovation=due, date=today, result=Patrol.Result.PENDING)
    PatrolFactory(renovation=due, date=date(2026, 1, 5), result=Patrol.Result.OK)
    page = client_as(users["supervisor"]).get(reverse("renovations:list"))
    rows = {r.number: r.today_patrol for r in page.context["page"].object_list}
    assert rows == {done.number: "ok", due.number: "pending"}


def test_list_filters_in_the_database(client_as, users, building_a, non_regular_item):
    a, b, c = _units(building_a, 3)
    regular = RenovationFactory(unit=a, status=Renovation.Status.IN_PROGRESS)
    non_regular = RenovationFactory(
        unit=b, status=Renovation.Status.IN_PROGRESS, is_regular=False, scope_items=[non_regular_item]
    )
    stopped = RenovationFactory(unit=c, status=Renovation.Status.STOPPED)
    client = client_as(users["manager"])

    def numbers(query):
        return {r.number for r in client.get(reverse("renovations:list") + query).context["page"].object_list}

    assert numbers("?regular=no") == {non_regular.number}
    assert numbers("?status=stopped") == {stopped.number}
    assert numbers(f"?q={a.code}") == {regular.number}
    assert numbers(f"?q={stopped.number}") == {stopped.number}


def test_waiting_for_my_review_shows_each_reviewer_their_step(client_as, users, building_a):
    a, b = _units(building_a, 2)
    engineering = RenovationFactory(unit=a, status=Renovation.Status.ENGINEERING_REVIEW, is_regular=False)
    manager_step = RenovationFactory(unit=b, status=Renovation.Status.MANAGER_REVIEW)
    page = client_as(users["engineer"]).get(reverse("renovations:list") + "?view=mine")
    assert [r.number for r in page.context["page"].object_list] == [engineering.number]
    assert manager_step.number not in page.content.decode()
    # A clerk reviews nothing: no such tab.
    assert client_as(users["clerk"]).get(reverse("renovations:list") + "?view=mine").status_code == 404


@pytest.mark.parametrize("rows", [5, 25])
def test_list_query_count_does_not_grow_with_rows(
    client_as, users, building_a, rows, django_assert_max_num_queries
):
    today = timezone.localdate()
    for unit in _units(building_a, rows):
        renovation = RenovationFactory(unit=unit, status=Renovation.Status.IN_PROGRESS)
        PatrolFactory(renovation=renovation, date=today)
    client = client_as(users["supervisor"])
    with django_assert_max_num_queries(14):
        response = client.get(reverse("renovations:list"))
    assert len(response.context["page"].object_list) == rows


# --- the application ----------------------------------------------------------------------------


def _application(unit, owner, items, **overrides):
    data = {
        "unit": unit.pk,
        "owner": owner.pk,
        "contractor_company": "深圳市安居装饰工程有限公司",
        "contractor_licence": "91440300MA5XXXXX1A",
        "contractor_contact": "李工",
        "contractor_phone": "13912345678",
        "scope_items": [i.pk for i in items],
        "planned_start": "2026-03-02",
        "planned_end": "2026-04-30",
        "description": "厨卫翻新",
        "idempotency_key": "form-key-1",
        "workers-TOTAL_FORMS": "3",
        "workers-INITIAL_FORMS": "0",
        "workers-MIN_NUM_FORMS": "0",
        "workers-MAX_NUM_FORMS": "50",
    }
    for n in (0, 1):
        w = worker(n + 1)
        data |= {f"workers-{n}-{k}": v for k, v in w.items()}
    return data | overrides


def test_the_unit_step_finds_the_unit_by_its_code(client_as, frontdesk, unit_a, owner, regular_item):
    page = client_as(frontdesk).get(reverse("renovations:create"), {"unit_code": unit_a.code})
    assert page.status_code == 200
    assert page.context["unit"] == unit_a
    assert list(page.context["form"].fields["owner"].queryset) == [owner]
    missing = client_as(frontdesk).get(reverse("renovations:create"), {"unit_code": "9-9-9999"})
    assert missing.status_code == 400 and "No unit with this code" in missing.content.decode()


def test_a_valid_application_registers_the_renovation_with_workers_and_scope(
    client_as, frontdesk, unit_a, owner, rules, regular_item, non_regular_item
):
    response = client_as(frontdesk).post(
        reverse("renovations:create"), _application(unit_a, owner, [regular_item, non_regular_item])
    )
    renovation = Renovation.objects.get()
    assert response.status_code == 302 and response.url == reverse("renovations:detail", args=[renovation.pk])
    assert set(renovation.scope_items.all()) == {regular_item, non_regular_item}
    assert not renovation.is_regular
    assert sorted(renovation.workers.values_list("name", flat=True)) == ["工人1", "工人2"]


def test_an_invalid_application_shows_the_errors_and_saves_nothing(
    client_as, frontdesk, unit_a, owner, rules, regular_item
):
    response = client_as(frontdesk).post(
        reverse("renovations:create"),
        _application(unit_a, owner, [regular_item], planned_end="2026-01-01", **{"workers-0-mobile": "123"}),
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "The planned end is before the planned start." in page
    assert response.context["workers"].forms[0].errors
    assert not Renovation.objects.exists() and not RenovationWorker.objects.exists()


def test_the_service_refusal_is_shown_on_the_form(
    client_as, frontdesk, unit_a, owner, rules, other_estate_item
):
    response = client_as(frontdesk).post(reverse("renovations:create"), _application(unit_a, owner, []))
    assert response.status_code == 400 and not Renovation.objects.exists()


def test_a_double_submit_with_the_same_key_registers_one_renovation(
    client_as, frontdesk, unit_a, owner, rules, regular_item
):
    client = client_as(frontdesk)
    data = _application(unit_a, owner, [regular_item])
    first = client.post(reverse("renovations:create"), data)
    second = client.post(reverse("renovations:create"), data)
    assert Renovation.objects.count() == 1
    assert first.url == second.url


def test_more_rows_re_renders_the_form_with_more_worker_rows_and_saves_nothing(
    client_as, frontdesk, unit_a, owner, rules, regular_item
):
    data = _application(unit_a, owner, [regular_item]) | {"more_workers": "1"}
    response = client_as(frontdesk).post(reverse("renovations:create"), data)
    assert response.status_code == 200
    assert len(response.context["workers"].forms) == 6
    assert response.context["workers"].forms[0]["name"].value() == "工人1"
    assert not Renovation.objects.exists()


# --- the renovation page and its actions --------------------------------------------------------


def test_the_page_shows_the_application_with_the_owners_phone_masked(client_as, users, renovation):
    RenovationWorkerFactory(renovation=renovation, name="张师傅")
    page = client_as(users["clerk"]).get(reverse("renovations:detail", args=[renovation.pk])).content.decode()
    assert renovation.contractor_company in page and "张师傅" in page
    assert renovation.owner.mobile and renovation.owner.mobile not in page
    assert renovation.owner.mobile_masked in page


def test_the_manager_approves_from_the_page(client_as, users, unit_a, owner, rules, regular_item):
    from tests.renovations.helpers import register

    renovation = register(unit_a, owner, users["frontdesk"], [regular_item])
    client = client_as(users["frontdesk"])
    client.post(reverse("renovations:action", args=[renovation.pk, "send_to_manager"]), {"note": ""})
    renovation.refresh_from_db()
    assert renovation.status == Renovation.Status.MANAGER_REVIEW
    page = client_as(users["manager"]).get(reverse("renovations:detail", args=[renovation.pk]))
    assert [a["name"] for a in page.context["actions"]][:1] == ["approve"]
    client_as(users["manager"]).post(
        reverse("renovations:action", args=[renovation.pk, "approve"]), {"note": "同意"}
    )
    renovation.refresh_from_db()
    assert renovation.status == Renovation.Status.APPROVED
    assert renovation.charges.count() == 3


def test_a_refused_transition_shows_the_error_and_changes_nothing(
    client_as, users, unit_a, owner, rules, regular_item
):
    renovation = approved(unit_a, owner, users, [regular_item])
    events = RenovationEvent.objects.count()
    response = client_as(users["clerk"]).post(
        reverse("renovations:action", args=[renovation.pk, "issue_permit"]), follow=True
    )
    assert response.status_code == 200
    assert "Record the signed renovation agreement first." in response.content.decode()
    renovation.refresh_from_db()
    assert renovation.status == Renovation.Status.APPROVED
    assert RenovationEvent.objects.count() == events


def test_a_reason_is_required_where_the_service_needs_one(client_as, users, unit_a):
    renovation = RenovationFactory(unit=unit_a, status=Renovation.Status.MANAGER_REVIEW)
    response = client_as(users["manager"]).post(
        reverse("renovations:action", args=[renovation.pk, "reject"]), {"reason": ""}, follow=True
    )
    assert "This field is required." in response.content.decode()
    renovation.refresh_from_db()
    assert renovation.status == Renovation.Status.MANAGER_REVIEW


def test_an_unknown_action_is_a_404(client_as, users, renovation):
    response = client_as(users["manager"]).post(
        reverse("renovations:action", args=[renovation.pk, "explode"])
    )
    assert response.status_code == 404


def test_the_clerk_takes_the_deposit_once_per_key(client_as, users, unit_a, owner, rules, regular_item):
    renovation = approved(unit_a, owner, users, [regular_item])
    client = client_as(users["clerk"])
    page = client.get(reverse("renovations:detail", args=[renovation.pk]))
    assert page.context["may_take_deposit"]
    for _ in range(2):
        client.post(
            reverse("renovations:deposit", args=[renovation.pk]),
            {"method": "cash", "idempotency_key": "dep-1"},
        )
    page = client.get(reverse("renovations:detail", args=[renovation.pk]))
    assert not page.context["may_take_deposit"]
    assert [o.kind for o in page.context["owed"]] == ["pass_cards", "rubbish"] or all(
        o.kind != "deposit" for o in page.context["owed"]
    )


def test_the_page_query_count_is_fixed(client_as, users, renovation, django_assert_max_num_queries):
    for _ in range(5):
        RenovationWorkerFactory(renovation=renovation)
        ViolationFactory(renovation=renovation)
    client = client_as(users["manager"])
    with django_assert_max_num_queries(30):
        assert client.get(reverse("renovations:detail", args=[renovation.pk])).status_code == 200


# --- the permit ---------------------------------------------------------------------------------


def test_the_permit_prints_the_frozen_hours_the_rules_and_the_workers_passes(
    client_as, users, unit_a, owner, estate_a, regular_item
):
    RenovationRulesFactory(estate=estate_a, rules_text="施工垃圾须袋装，每日清运。")
    renovation = permitted(unit_a, owner, users, [regular_item])
    worker_row = renovation.workers.select_related("current_pass").get()
    response = client_as(users["clerk"]).get(reverse("renovations:permit", args=[renovation.pk]))
    page = response.content.decode()
    assert response.status_code == 200
    assert renovation.number in page and unit_a.code in page
    assert renovation.working_hours and renovation.working_hours in page
    assert "施工垃圾须袋装，每日清运。" in page
    assert worker_row.current_pass.number in page
    assert "data-print" in page


def test_there_is_no_permit_before_it_is_issued(client_as, users, unit_a):
    renovation = RenovationFactory(unit=unit_a, status=Renovation.Status.APPROVED)
    assert (
        client_as(users["clerk"]).get(reverse("renovations:permit", args=[renovation.pk])).status_code == 404
    )


# --- the unit page ------------------------------------------------------------------------------


def test_the_unit_page_lists_the_units_renovations(client_as, users, renovation, unit_a2):
    other = RenovationFactory(unit=unit_a2)
    page = client_as(users["frontdesk"]).get(reverse("residents:unit_detail", args=[renovation.unit_id]))
    text = page.content.decode()
    assert renovation.number in text and other.number not in text
    assert reverse("renovations:detail", args=[renovation.pk]) in text


# --- patrols ------------------------------------------------------------------------------------


def test_the_housekeeper_sees_their_own_patrols_first(client_as, users, building_a):
    today = timezone.localdate()
    theirs, mine = (
        RenovationFactory(unit=u, status=Renovation.Status.IN_PROGRESS) for u in _units(building_a, 2)
    )
    PatrolFactory(renovation=theirs, date=today, assignee=users["supervisor"])
    PatrolFactory(renovation=mine, date=today, assignee=users["housekeeper"])
    page = client_as(users["housekeeper"]).get(reverse("renovations:patrols"))
    assert [p.renovation_id for p in page.context["page"].object_list] == [mine.pk, theirs.pk]


def test_the_missed_tab_lists_missed_patrols(client_as, users, renovation):
    missed = PatrolFactory(renovation=renovation, date=date(2026, 1, 5), result=Patrol.Result.MISSED)
    page = client_as(users["supervisor"]).get(reverse("renovations:patrols") + "?view=missed")
    assert [p.pk for p in page.context["page"].object_list] == [missed.pk]


@pytest.mark.parametrize("rows", [5, 25])
def test_patrol_list_query_count(client_as, users, building_a, rows, django_assert_max_num_queries):
    today = timezone.localdate()
    for unit in _units(building_a, rows):
        PatrolFactory(renovation=RenovationFactory(unit=unit, status="in_progress"), date=today)
    client = client_as(users["supervisor"])
    with django_assert_max_num_queries(12):
        response = client.get(reverse("renovations:patrols"))
    assert len(response.context["page"].object_list) == rows


def test_recording_a_patrol_ok(client_as, users, renovation):
    patrol = PatrolFactory(renovation=renovation, date=timezone.localdate(), assignee=users["housekeeper"])
    response = client_as(users["housekeeper"]).post(
        reverse("renovations:patrol", args=[patrol.pk]), {"result": "ok", "findings": "现场整洁"}
    )
    assert response.status_code == 302
    patrol.refresh_from_db()
    assert patrol.result == Patrol.Result.OK and patrol.findings == "现场整洁"


def test_a_patrol_that_found_a_violation_records_it(client_as, users, renovation):
    patrol = PatrolFactory(renovation=renovation, date=timezone.localdate(), assignee=users["housekeeper"])
    response = client_as(users["housekeeper"]).post(
        reverse("renovations:patrol", args=[patrol.pk]),
        {
            "result": "violation",
            "findings": "午休时间电钻",
            "violation-kind": "out_of_hours",
            "violation-description": "12:30 电钻施工",
        },
    )
    assert response.status_code == 302
    violation = Violation.objects.get()
    assert violation.patrol_id == patrol.pk and violation.kind == "out_of_hours"


def test_a_violation_patrol_without_its_fields_is_refused(client_as, users, renovation):
    patrol = PatrolFactory(renovation=renovation, date=timezone.localdate(), assignee=users["housekeeper"])
    response = client_as(users["housekeeper"]).post(
        reverse("renovations:patrol", args=[patrol.pk]), {"result": "violation"}
    )
    assert response.status_code == 400
    patrol.refresh_from_db()
    assert patrol.result == Patrol.Result.PENDING and not Violation.objects.exists()


# --- violations ---------------------------------------------------------------------------------


@pytest.mark.parametrize("rows", [5, 25])
def test_violation_list_query_count(client_as, users, renovation, rows, django_assert_max_num_queries):
    for _ in range(rows):
        ViolationFactory(renovation=renovation, found_by=users["housekeeper"])
    client = client_as(users["supervisor"])
    with django_assert_max_num_queries(10):
        response = client.get(reverse("renovations:violations"))
    assert len(response.context["page"].object_list) == rows


def test_violation_list_filters_overdue(client_as, users, renovation):
    late = ViolationFactory(renovation=renovation, status="rectifying", rectify_by=date(2026, 1, 1))
    ViolationFactory(renovation=renovation, status="rectifying", rectify_by=date(2099, 1, 1))
    page = client_as(users["supervisor"]).get(reverse("renovations:violations") + "?overdue=on")
    assert [v.pk for v in page.context["page"].object_list] == [late.pk]


def test_a_violation_without_a_permit_is_recorded_by_unit(client_as, users, unit_a2):
    response = client_as(users["housekeeper"]).post(
        reverse("renovations:violation_create"),
        {
            "unit_code": unit_a2.code,
            "kind": "no_permit",
            "source": "resident_report",
            "description": "无证施工",
        },
    )
    violation = Violation.objects.get()
    assert response.status_code == 302 and response.url == reverse(
        "renovations:violation", args=[violation.pk]
    )
    assert violation.unit == unit_a2 and violation.renovation is None


def test_the_violation_page_and_its_actions(client_as, users, renovation):
    violation = ViolationFactory(renovation=renovation, found_by=users["housekeeper"])
    client = client_as(users["supervisor"])
    page = client.get(reverse("renovations:violation", args=[violation.pk]))
    assert "escalate" in page.context["actions"]
    client.post(
        reverse("renovations:violation_action", args=[violation.pk, "order_rectification"]),
        {"rectify_by": "2099-01-10", "note": "限期整改"},
    )
    violation.refresh_from_db()
    assert violation.status == Violation.Status.RECTIFYING and violation.rectify_by == date(2099, 1, 10)
    assert "限期整改" in client.get(reverse("renovations:violation", args=[violation.pk])).content.decode()


def test_a_refused_violation_action_changes_nothing(client_as, users, renovation):
    violation = ViolationFactory(renovation=renovation, status=Violation.Status.RECTIFIED)
    response = client_as(users["housekeeper"]).post(
        reverse("renovations:violation_action", args=[violation.pk, "dismiss"]), {"note": "误报"}, follow=True
    )
    assert response.status_code == 200
    violation.refresh_from_db()
    assert violation.status == Violation.Status.RECTIFIED
    assert not violation.events.exists()


def test_housekeepers_may_not_escalate(client_as, users, renovation):
    violation = ViolationFactory(renovation=renovation)
    response = client_as(users["housekeeper"]).post(
        reverse("renovations:violation_action", args=[violation.pk, "escalate"]),
        {"enforcement_reference": "X"},
    )
    assert response.status_code == 403


# --- figures ------------------------------------------------------------------------------------


def test_the_figures_page_shows_the_rates_for_the_month(client_as, users, renovation):
    ViolationFactory(renovation=renovation, found_at=timezone.now())
    page = client_as(users["supervisor"]).get(reverse("renovations:metrics"))
    assert page.status_code == 200
    assert page.context["figures"].violations == 1
    assert [title for title, _rows in page.context["breakdowns"]] == ["By zone", "By housekeeper"]


def test_staff_without_the_worker_permission_do_not_see_the_workers(client_as, users, renovation):
    RenovationWorkerFactory(renovation=renovation, name="张师傅")
    url = reverse("renovations:detail", args=[renovation.pk])
    assert "张师傅" not in client_as(users["technician"]).get(url).content.decode()
    assert "张师傅" in client_as(users["housekeeper"]).get(url).content.decode()
