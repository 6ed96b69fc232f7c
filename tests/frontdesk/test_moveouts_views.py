"""The move-out desk pages: the list (scoped, filtered, searched, paginated, a fixed number of
queries), the two-step form, the request page with its actions, the arrears list and the
manager's override form, and who may do what."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from frontdesk import services
from frontdesk.models import MoveOut
from tests.billing.conftest import make_bill
from tests.factories import make_staff
from tests.frontdesk.moveout_helpers import make_moveout, occupant, register

pytestmark = pytest.mark.django_db
S = MoveOut.Status
LIST = reverse("frontdesk:moveouts")


def _numbers(response) -> set[str]:
    assert response.status_code == 200, response.content[:500]
    return {m.number for m in response.context["page"].object_list}


def test_list_is_scoped_filtered_and_searched(client_as, users, unit_a, unit_a2, unit_b):
    mine = make_moveout(unit_a, number="LJY-BJ2026-0001", vehicle_plate="粤B12345")
    moving = make_moveout(unit_a2, number="LJY-BJ2026-0002", kind=MoveOut.Kind.MOVING, vehicle_plate="")
    done = make_moveout(unit_a2, number="LJY-BJ2026-0003", status=S.COMPLETED)
    make_moveout(unit_b, number="BJDS-BJ2026-0001")  # another estate: never listed
    client = client_as(users["clerk"])
    assert _numbers(client.get(LIST)) == {mine.number, moving.number}  # open ones by default
    assert _numbers(client.get(LIST, {"status": "all"})) == {mine.number, moving.number, done.number}
    assert _numbers(client.get(LIST, {"status": "completed"})) == {done.number}
    assert _numbers(client.get(LIST, {"kind": "moving"})) == {moving.number}
    assert _numbers(client.get(LIST, {"q": "0002"})) == {moving.number}
    assert _numbers(client.get(LIST, {"q": unit_a.code})) == {mine.number}
    assert _numbers(client.get(LIST, {"q": "粤b 12345"})) == {mine.number}
    assert _numbers(client.get(LIST, {"q": mine.person.name})) == {mine.number}
    later = (timezone.localdate() + timedelta(days=5)).isoformat()
    assert _numbers(client.get(LIST, {"planned_from": later})) == set()
    assert client.get(LIST, {"page": "99"}).status_code == 404


def test_list_pages_and_keeps_a_fixed_number_of_queries(
    client_as, users, unit_a, django_assert_max_num_queries
):
    for n in range(30):
        make_moveout(unit_a, number=f"LJY-BJ2026-{n:04d}", kind=MoveOut.Kind.MOVING)
    client = client_as(users["frontdesk"])
    client.get(LIST)  # warm the session and permission caches
    with django_assert_max_num_queries(12):
        first = client.get(LIST)
    assert len(first.context["page"].object_list) == 25
    with django_assert_max_num_queries(12):
        second = client.get(LIST, {"page": 2})
    assert len(second.context["page"].object_list) == 5


def test_detail_keeps_a_fixed_number_of_queries(client_as, users, unit_a, django_assert_max_num_queries):
    moveout = register(unit_a, users["frontdesk"])
    for n in range(5):
        make_bill(unit_a, "10.00", period=date(2025, n + 1, 1), due=date(2025, n + 1, 28))
    client = client_as(users["manager"])
    path = reverse("frontdesk:moveout_detail", args=[moveout.pk])
    client.get(path)
    with django_assert_max_num_queries(16):
        response = client.get(path)
    assert len(response.context["owed_rows"]) == 5


def test_create_in_two_steps(client_as, users, unit_a):
    occupancy = occupant(unit_a, name="王小明")
    client = client_as(users["frontdesk"])
    create = reverse("frontdesk:moveout_create")
    step_two = client.get(create, {"unit_code": unit_a.code})
    assert step_two.status_code == 200
    assert "王小明" in step_two.content.decode()
    key = step_two.context["form"]["idempotency_key"].value()
    post = {
        "unit": unit_a.pk,
        "occupancy": occupancy.pk,
        "kind": "move_out",
        "planned_date": (timezone.localdate() + timedelta(days=2)).isoformat(),
        "window_start": "09:00",
        "window_end": "11:30",
        "items": "冰箱、洗衣机",
        "vehicle_plate": "粤B 12345",
        "helpers": "2",
        "notes": "",
        "idempotency_key": key,
    }
    response = client.post(create, post)
    moveout = MoveOut.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "frontdesk:moveout_detail", args=[moveout.pk]
    )
    assert (moveout.person_id, moveout.vehicle_plate, moveout.helpers) == (occupancy.person_id, "粤B12345", 2)
    # A double submit gives the same request back.
    assert client.post(create, post).status_code == 302
    assert MoveOut.objects.count() == 1


def test_create_shows_the_services_refusal_and_saves_nothing(client_as, users, unit_a):
    occupancy = occupant(unit_a)
    client = client_as(users["frontdesk"])
    response = client.post(
        reverse("frontdesk:moveout_create"),
        {
            "unit": unit_a.pk,
            "occupancy": occupancy.pk,
            "kind": "moving",
            "planned_date": "2020-01-01",
            "window_start": "09:00",
            "window_end": "11:30",
            "items": "沙发",
            "helpers": "0",
            "idempotency_key": "k",
        },
    )
    assert response.status_code == 400
    assert "The planned date has passed." in response.content.decode()
    assert not MoveOut.objects.exists()


def test_create_for_another_estates_unit_finds_no_unit(client_as, users, unit_b):
    response = client_as(users["frontdesk"]).get(
        reverse("frontdesk:moveout_create"), {"unit_code": unit_b.code}
    )
    assert response.status_code == 400
    assert not MoveOut.objects.exists()


def test_detail_lists_what_is_owed_and_offers_the_override_to_the_manager_only(client_as, users, unit_a):
    moveout = register(unit_a, users["frontdesk"])
    make_bill(unit_a, "120.50", period=date(2025, 1, 1), due=date(2025, 1, 28))
    path = reverse("frontdesk:moveout_detail", args=[moveout.pk])
    desk = client_as(users["frontdesk"]).get(path)
    page = desk.content.decode()
    assert 'data-testid="arrears"' in page and "120.50" in page and "2025-01" in page
    assert 'data-testid="override-form"' not in page
    # Approving is not offered while the unit owes money; cancelling is.
    assert [a["name"] for a in desk.context["actions"]] == ["cancel"]
    manager = client_as(users["manager"]).get(path)
    assert 'data-testid="override-form"' in manager.content.decode()


def test_approving_with_arrears_is_an_error_on_the_page_and_the_manager_overrides(client_as, users, unit_a):
    moveout = register(unit_a, users["frontdesk"])
    make_bill(unit_a, "120.50", due=date(2025, 1, 28))
    approve = reverse("frontdesk:moveout_approve", args=[moveout.pk])
    client = client_as(users["frontdesk"])
    response = client.post(approve, {}, follow=True)
    assert "120.50" in response.content.decode()
    assert MoveOut.objects.get(pk=moveout.pk).status == S.REQUESTED
    assert client.post(approve, {"override_reason": "我说可以"}).status_code == 403
    assert MoveOut.objects.get(pk=moveout.pk).status == S.REQUESTED
    client = client_as(users["manager"])
    response = client.post(approve, {"override_reason": "业主已承诺结清"}, follow=True)
    moveout.refresh_from_db()
    assert moveout.status == S.APPROVED
    page = response.content.decode()
    assert 'data-testid="override"' in page and "业主已承诺结清" in page
    assert moveout.release_pass.number in page


def test_actions_from_the_page(client_as, users, unit_a):
    moveout = register(unit_a, users["frontdesk"])
    client = client_as(users["frontdesk"])
    detail = reverse("frontdesk:moveout_detail", args=[moveout.pk])
    assert [a["name"] for a in client.get(detail).context["actions"]] == ["approve", "cancel"]
    client.post(reverse("frontdesk:moveout_approve", args=[moveout.pk]), {"note": "门岗已知会"})
    page = client.get(detail)
    assert [a["name"] for a in page.context["actions"]] == ["complete", "cancel"]
    assert 'data-testid="print-pass"' in page.content.decode()
    # Cancelling needs a reason: without one nothing changes.
    client.post(reverse("frontdesk:moveout_cancel", args=[moveout.pk]), {"reason": ""})
    assert MoveOut.objects.get(pk=moveout.pk).status == S.APPROVED
    client.post(reverse("frontdesk:moveout_complete", args=[moveout.pk]), {})
    assert MoveOut.objects.get(pk=moveout.pk).status == S.COMPLETED
    assert client.get(detail).context["actions"] == []


@pytest.mark.parametrize(
    ("role", "reads", "registers", "approves"),
    [
        ("frontdesk", True, True, True),
        ("supervisor", True, True, True),
        ("manager", True, True, True),
        ("clerk", True, False, False),
        ("housekeeper", True, False, False),
        ("technician", False, False, False),
        ("engineer", False, False, False),
    ],
)
def test_permissions_per_role(client_as, users, unit_a, role, reads, registers, approves):
    moveout = make_moveout(unit_a)
    client = client_as(users[role])
    assert (client.get(LIST).status_code == 200) is reads
    assert (client.get(reverse("frontdesk:moveout_detail", args=[moveout.pk])).status_code == 200) is reads
    assert (client.get(reverse("frontdesk:moveout_create")).status_code == 200) is registers
    response = client.post(reverse("frontdesk:moveout_approve", args=[moveout.pk]), {})
    assert (response.status_code == 302) is approves
    assert (MoveOut.objects.get(pk=moveout.pk).status == S.APPROVED) is approves


def test_another_estates_request_is_a_404(client_as, users, unit_b, estate_b):
    moveout = make_moveout(unit_b)
    client = client_as(users["frontdesk"])
    assert client.get(reverse("frontdesk:moveout_detail", args=[moveout.pk])).status_code == 404
    assert (
        client.post(reverse("frontdesk:moveout_cancel", args=[moveout.pk]), {"reason": "x"}).status_code
        == 404
    )
    assert MoveOut.objects.get(pk=moveout.pk).status == S.REQUESTED
    other = client_as(make_staff("frontdesk", estate_b, username="desk-b"))
    assert other.get(reverse("frontdesk:moveout_detail", args=[moveout.pk])).status_code == 200


def test_residents_do_not_see_the_desk_pages(client_as, resident, unit_a):
    moveout = make_moveout(unit_a)
    client = client_as(resident)
    assert client.get(LIST).status_code == 404
    assert client.get(reverse("frontdesk:moveout_detail", args=[moveout.pk])).status_code == 404


def test_the_gate_page_shows_the_moving_pass_with_what_to_check(client_as, users, unit_a):
    moveout = register(unit_a, users["frontdesk"])
    services.approve_moveout(moveout=moveout, actor=users["frontdesk"])
    number = MoveOut.objects.get(pk=moveout.pk).release_pass.number
    response = client_as(users["technician"]).get(reverse("passes:verify"), {"number": number})
    page = response.content.decode()
    assert 'data-testid="gate-notes"' in page and "粤B12345" in page and "冰箱" in page
    assert unit_a.code in page


# --- the resident portal ------------------------------------------------------------------------


def _portal_post(unit, **overrides) -> dict:
    return {
        "unit": unit.pk,
        "kind": "moving",
        "planned_date": (timezone.localdate() + timedelta(days=1)).isoformat(),
        "window_start": "14:00",
        "window_end": "16:00",
        "items": "钢琴一台",
        "vehicle_plate": "",
        "helpers": "4",
        "notes": "",
        "idempotency_key": "portal-1",
        **overrides,
    }


def test_a_resident_books_a_move_for_their_own_unit(client_as, resident, unit_a, users):
    client = client_as(resident)
    assert client.get(reverse("portal:moveout_create")).status_code == 200
    response = client.post(reverse("portal:moveout_create"), _portal_post(unit_a))
    assert response.status_code == 302
    moveout = MoveOut.objects.get()
    assert (moveout.unit_id, moveout.person.user_id, moveout.created_by) == (unit_a.pk, resident.pk, resident)
    assert moveout.status == S.REQUESTED
    assert client.post(reverse("portal:moveout_create"), _portal_post(unit_a)).status_code == 302
    assert MoveOut.objects.count() == 1
    page = client.get(reverse("portal:moveouts"))
    assert moveout.number in page.content.decode()


def test_a_resident_cannot_book_for_or_see_another_unit(client_as, resident, resident2, unit_a, unit_a2):
    theirs = make_moveout(unit_a2, items="leak-A2 沙发")
    client = client_as(resident)
    response = client.post(reverse("portal:moveout_create"), _portal_post(unit_a2))
    assert response.status_code == 400
    assert MoveOut.objects.count() == 1
    page = client.get(reverse("portal:moveouts")).content.decode()
    assert theirs.number not in page and "leak-A2" not in page


def test_the_portal_list_keeps_a_fixed_number_of_queries(
    client_as, resident, unit_a, django_assert_max_num_queries
):
    for n in range(15):
        make_moveout(unit_a, number=f"LJY-BJ2026-{n:04d}", kind=MoveOut.Kind.MOVING)
    client = client_as(resident)
    client.get(reverse("portal:moveouts"))
    with django_assert_max_num_queries(10):
        assert client.get(reverse("portal:moveouts")).status_code == 200
