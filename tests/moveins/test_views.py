"""The move-in desk pages with real role users: the list (scoped, filtered, a fixed number of
queries), scheduling, the move-in page in every state, each step's form, and refusals shown as
errors with nothing changed."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from billing.models import Meter, MeterReading
from moveins.models import ChecklistItem, Defect, MoveIn, OpeningReading
from servicecenter import authz
from tests.factories import UnitFactory, make_resident, make_staff
from tests.moveins.conftest import OWNER_ID, a_photo
from tests.moveins.factories import MoveInChargeFactory, MoveInFactory
from tests.moveins.helpers import schedule, walk
from tickets.models import Ticket

pytestmark = pytest.mark.django_db
Status = MoveIn.Status


@pytest.fixture(autouse=True)
def _fresh_cache():
    # The ID-check rate limit counts in the cache; every test starts from zero.
    cache.clear()
    yield
    cache.clear()


def _messages(response) -> str:
    return " ".join(str(m) for m in response.context["messages"]) if response.context else ""


# --- the list -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "role, expected",
    [
        ("frontdesk", 200),
        ("clerk", 200),
        ("engineer", 200),
        ("manager", 200),
        ("technician", 403),
        ("housekeeper", 403),
    ],
)
def test_the_list_per_role(client, users, role, expected):
    client.force_login(users[role])
    assert client.get(reverse("moveins:list")).status_code == expected


def test_residents_get_404_on_the_desk_list(client, resident):
    client.force_login(resident)
    assert client.get(reverse("moveins:list")).status_code == 404


def test_the_list_shows_only_the_users_estates_and_filters(client, users, estate_a, estate_b, unit_b):
    mine = MoveInFactory(unit=UnitFactory(building__estate=estate_a), number="RH-MINE-1")
    done = MoveInFactory(
        unit=UnitFactory(building__estate=estate_a), number="RH-DONE-1", status=Status.COMPLETED
    )
    MoveInFactory(unit=unit_b, number="RH-THEIRS-1")
    client.force_login(users["frontdesk"])
    body = client.get(reverse("moveins:list")).content.decode()
    assert "RH-MINE-1" in body and "RH-THEIRS-1" not in body
    assert "RH-DONE-1" not in body  # the open ones by default
    body = client.get(reverse("moveins:list"), {"status": "completed"}).content.decode()
    assert "RH-DONE-1" in body and "RH-MINE-1" not in body
    body = client.get(reverse("moveins:list"), {"q": mine.unit.code, "status": ""}).content.decode()
    assert "RH-MINE-1" in body and done.number not in body


def test_the_list_runs_a_fixed_number_of_queries(client, users, estate_a, django_assert_max_num_queries):
    client.force_login(users["frontdesk"])
    MoveInFactory(unit=UnitFactory(building__estate=estate_a))
    client.get(reverse("moveins:list"))
    for _ in range(15):
        MoveInFactory(unit=UnitFactory(building__estate=estate_a))
    with django_assert_max_num_queries(14):
        response = client.get(reverse("moveins:list"), {"status": ""})
    assert response.status_code == 200
    assert len(response.context["page"].object_list) == 16


def test_another_estates_move_in_is_a_404(client, users, unit_b):
    other = MoveInFactory(unit=unit_b)
    client.force_login(users["manager"])
    assert client.get(reverse("moveins:detail", args=[other.pk])).status_code == 404
    response = client.post(reverse("moveins:action", args=[other.pk, "cancel"]), {"reason": "x"})
    assert response.status_code == 404
    other.refresh_from_db()
    assert other.status == Status.SCHEDULED


# --- scheduling ---------------------------------------------------------------------------------


def test_scheduling_a_move_in_at_the_desk(client, users, ready, owner):
    client.force_login(users["frontdesk"])
    response = client.get(reverse("moveins:create"), {"unit_code": ready.code})
    assert response.status_code == 200
    key = response.context["form"].initial["idempotency_key"]
    response = client.post(
        reverse("moveins:create"),
        {"unit": ready.pk, "owner": owner.pk, "idempotency_key": key, "notes": "周六上午"},
    )
    move_in = MoveIn.objects.get(unit=ready)
    assert response.status_code == 302 and response["Location"] == reverse(
        "moveins:detail", args=[move_in.pk]
    )
    assert move_in.owner == owner and move_in.checklist.count() > 0


def test_a_second_open_move_in_is_refused_on_the_page(client, users, ready, owner):
    first = schedule(unit=ready, owner=owner, actor=users["frontdesk"])
    client.force_login(users["frontdesk"])
    response = client.post(
        reverse("moveins:create"), {"unit": ready.pk, "owner": owner.pk, "idempotency_key": "another-key"}
    )
    assert response.status_code == 400
    assert response.context["form"].non_field_errors()
    assert list(MoveIn.objects.filter(unit=ready)) == [first]


def test_an_unknown_unit_code_is_a_form_error(client, users):
    client.force_login(users["frontdesk"])
    response = client.get(reverse("moveins:create"), {"unit_code": "9-9-9999"})
    assert response.status_code == 400
    assert response.context["pick"].errors


# --- the move-in page ---------------------------------------------------------------------------


@pytest.mark.parametrize("state", ["scheduled", "documents", "fees", "inspection", "keys", "completed"])
def test_the_page_in_every_state(client, users, ready, owner, state, django_assert_max_num_queries):
    move_in = walk(unit=ready, owner=owner, desk=users["frontdesk"], manager=users["manager"], to=state)
    client.force_login(users["frontdesk"])
    with django_assert_max_num_queries(40):
        response = client.get(reverse("moveins:detail", args=[move_in.pk]))
    assert response.status_code == 200
    assert response.context["m"].status == state
    assert move_in.number in response.content.decode()


def test_the_page_offers_what_the_workflow_allows(client, users, ready, owner):
    move_in = walk(unit=ready, owner=owner, desk=users["frontdesk"], manager=users["manager"], to="fees")
    client.force_login(users["manager"])
    body = client.get(reverse("moveins:detail", args=[move_in.pk])).content.decode()
    assert 'data-action="waive_fees"' in body and 'data-action="cancel"' in body
    client.force_login(users["frontdesk"])
    body = client.get(reverse("moveins:detail", args=[move_in.pk])).content.decode()
    assert 'data-action="waive_fees"' not in body and 'data-action="cancel"' not in body


def test_ticking_the_id_line_with_a_wrong_number_changes_nothing(client, users, ready, owner):
    move_in = walk(unit=ready, owner=owner, desk=users["frontdesk"], manager=users["manager"], to="documents")
    item = move_in.checklist.get(is_id_check=True)
    client.force_login(users["frontdesk"])
    url = reverse("moveins:checklist_tick", args=[move_in.pk, item.pk])
    response = client.post(url, {"id_number": "110101199001011237"}, follow=True)
    item.refresh_from_db()
    assert item.done_at is None
    assert "error" in [m.level_tag for m in response.context["messages"]]
    client.post(url, {"id_number": OWNER_ID})
    item.refresh_from_db()
    assert item.done_at is not None


def test_a_signed_copy_line_keeps_the_scan(client, users, ready, owner):
    move_in = walk(unit=ready, owner=owner, desk=users["frontdesk"], manager=users["manager"], to="documents")
    item = move_in.checklist.filter(needs_signed_copy=True).first()
    client.force_login(users["frontdesk"])
    client.post(reverse("moveins:checklist_tick", args=[move_in.pk, item.pk]), {"signed_copy": a_photo()})
    item.refresh_from_db()
    assert item.done_at is not None and item.document_id is not None


def test_the_waiver_needs_a_reason_and_a_manager(client, users, ready, owner):
    move_in = walk(unit=ready, owner=owner, desk=users["frontdesk"], manager=users["manager"], to="fees")
    url = reverse("moveins:action", args=[move_in.pk, "waive_fees"])
    client.force_login(users["frontdesk"])
    assert client.post(url, {"reason": "促销"}).status_code == 403
    client.force_login(users["manager"])
    client.post(url, {"reason": ""})
    move_in.refresh_from_db()
    assert move_in.fees_waived_at is None
    client.post(url, {"reason": "开发商承担"})
    move_in.refresh_from_db()
    assert move_in.fees_waived_at is not None and move_in.fees_waiver_reason == "开发商承担"


def _defect_post(deadline, **extra) -> dict:
    return {
        "defects-TOTAL_FORMS": "1",
        "defects-INITIAL_FORMS": "0",
        "defects-MIN_NUM_FORMS": "0",
        "defects-MAX_NUM_FORMS": "30",
        "defects-0-location": "主卧",
        "defects-0-description": "墙面空鼓",
        "defects-0-deadline": deadline.isoformat(),
        "defects-0-responsible": "warranty",
        **extra,
    }


def test_defects_with_a_deadline_in_the_past_are_refused(client, users, ready, owner, teams):
    move_in = walk(
        unit=ready, owner=owner, desk=users["frontdesk"], manager=users["manager"], to="inspection"
    )
    client.force_login(users["engineer"])
    tickets = Ticket.objects.count()
    response = client.post(
        reverse("moveins:defects", args=[move_in.pk]), _defect_post(timezone.localdate() - timedelta(days=1))
    )
    assert response.status_code == 400
    assert response.context["defect_forms"].non_form_errors()
    move_in.refresh_from_db()
    assert move_in.status == Status.INSPECTION
    assert not Defect.objects.exists() and Ticket.objects.count() == tickets


def test_defects_become_tickets(client, users, ready, owner, teams):
    move_in = walk(
        unit=ready, owner=owner, desk=users["frontdesk"], manager=users["manager"], to="inspection"
    )
    client.force_login(users["engineer"])
    response = client.post(
        reverse("moveins:defects", args=[move_in.pk]),
        _defect_post(timezone.localdate() + timedelta(days=10), **{"defects-0-photos": a_photo()}),
    )
    assert response.status_code == 302
    move_in.refresh_from_db()
    assert move_in.status == Status.RECTIFICATION
    defect = move_in.defects.get()
    assert defect.ticket is not None and defect.photos.count() == 1
    body = client.get(reverse("moveins:detail", args=[move_in.pk])).content.decode()
    assert defect.ticket.number in body


def test_a_reading_below_the_last_is_refused(client, users, ready, owner):
    meter = Meter.objects.create(
        estate=ready.estate, unit=ready, kind=Meter.Kind.WATER, initial_reading="50.00"
    )
    move_in = walk(
        unit=ready, owner=owner, desk=users["frontdesk"], manager=users["manager"], to="inspection"
    )
    client.force_login(users["frontdesk"])
    response = client.post(
        reverse("moveins:readings", args=[move_in.pk]), {f"meter-{meter.pk}": "49.00"}, follow=True
    )
    assert "error" in [m.level_tag for m in response.context["messages"]]
    assert not OpeningReading.objects.exists() and not MeterReading.objects.exists()
    client.post(reverse("moveins:readings", args=[move_in.pk]), {f"meter-{meter.pk}": "50.40"})
    assert OpeningReading.objects.get().reading.value == Decimal("50.40")


def _keys_post(**extra) -> dict:
    return {
        "keys-TOTAL_FORMS": "1",
        "keys-INITIAL_FORMS": "0",
        "keys-MIN_NUM_FORMS": "0",
        "keys-MAX_NUM_FORMS": "20",
        "keys-0-kind": "入户门钥匙",
        "keys-0-count": "3",
        "signed_by": "王建国",
        **extra,
    }


def test_keys_while_a_charge_is_owed_are_refused_saying_what_is_owed(client, users, estate_a):
    move_in = MoveInFactory(unit=UnitFactory(building__estate=estate_a), status=Status.KEYS)
    MoveInChargeFactory(move_in=move_in, name="钥匙押金", kind="deposit", amount=Decimal("200.00"))
    client.force_login(users["frontdesk"])
    response = client.post(reverse("moveins:keys", args=[move_in.pk]), _keys_post())
    assert response.status_code == 400
    errors = " ".join(response.context["keys_form"].non_field_errors())
    assert "钥匙押金" in errors or "200.00" in errors, errors
    move_in.refresh_from_db()
    assert move_in.status == Status.KEYS and not move_in.keys.exists()


def test_keys_handed_over_at_the_desk(client, users, ready, owner):
    move_in = walk(unit=ready, owner=owner, desk=users["frontdesk"], manager=users["manager"], to="keys")
    client.force_login(users["frontdesk"])
    response = client.post(reverse("moveins:keys", args=[move_in.pk]), _keys_post())
    assert response.status_code == 302
    move_in.refresh_from_db()
    assert move_in.status == Status.COMPLETED and move_in.keys_signed_by == "王建国"


def test_cancel_needs_a_reason(client, users, ready, owner):
    move_in = schedule(unit=ready, owner=owner, actor=users["frontdesk"])
    client.force_login(users["manager"])
    client.post(reverse("moveins:action", args=[move_in.pk, "cancel"]), {"reason": ""})
    move_in.refresh_from_db()
    assert move_in.status == Status.SCHEDULED
    client.post(reverse("moveins:action", args=[move_in.pk, "cancel"]), {"reason": "业主改期"})
    move_in.refresh_from_db()
    assert move_in.status == Status.CANCELLED


@pytest.mark.parametrize("slug", sorted(authz.DESK_MOVEIN_ACTIONS))
def test_each_desk_action_matches_the_matrix(client, users, estate_a, slug):
    """moveins:action/<slug>: one URL, one rule per transition (403 without its permission)."""
    from moveins.views.desk import ACTIONS
    from moveins.workflows import MOVE_IN

    assert (
        set(ACTIONS)
        == set(authz.DESK_MOVEIN_ACTIONS)
        == {a.name for a in MOVE_IN.user_actions() if a.name not in ("record_defects", "hand_over_keys")}
    )
    move_in = MoveInFactory(unit=UnitFactory(building__estate=estate_a), status=Status.COMPLETED)
    for role in authz.STAFF_ROLES:
        client.force_login(users[role])
        response = client.post(reverse("moveins:action", args=[move_in.pk, slug]), {})
        allowed = response.status_code not in (403, 404)
        assert allowed == (role in authz.DESK_MOVEIN_ACTIONS[slug]), (slug, role, response.status_code)


def test_the_unit_page_shows_the_units_move_in(client, users, ready, owner):
    move_in = schedule(unit=ready, owner=owner, actor=users["frontdesk"])
    client.force_login(users["frontdesk"])
    body = client.get(reverse("residents:unit_detail", args=[ready.pk])).content.decode()
    assert reverse("moveins:detail", args=[move_in.pk]) in body


def test_an_engineer_in_another_estate_sees_nothing(client, estate_b, ready, owner, users):
    move_in = schedule(unit=ready, owner=owner, actor=users["frontdesk"])
    client.force_login(make_staff("engineer", estate_b, username="engineer-b"))
    assert client.get(reverse("moveins:detail", args=[move_in.pk])).status_code == 404
    resident = make_resident(UnitFactory(building__estate=ready.estate), username="other-resident")
    client.force_login(resident)
    assert client.get(reverse("moveins:detail", args=[move_in.pk])).status_code == 404
    assert ChecklistItem.objects.filter(move_in=move_in, done_at__isnull=False).count() == 0
