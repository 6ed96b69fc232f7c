"""/api/move-ins/ with real role users: the list (scoped, filtered, a fixed number of queries),
scheduling with an idempotency key, one endpoint per transition, the steps' records, the 409 that
lists what is owed, refusals that change nothing, and residents (their own move-ins, read-only
plus the rating)."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.core.cache import cache
from django.utils import timezone

from billing import services as billing
from billing.models import Meter, MeterReading
from moveins.models import Defect, MoveIn, OpeningReading
from tests.factories import UnitFactory, UserFactory, make_resident
from tests.moveins.conftest import OWNER_ID, new_key
from tests.moveins.factories import MoveInChargeFactory, MoveInFactory
from tests.moveins.helpers import schedule, walk
from tickets.models import Ticket

pytestmark = pytest.mark.django_db
Status = MoveIn.Status
URL = "/api/move-ins/"


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


def _url(move_in, action: str = "") -> str:
    return f"{URL}{move_in.pk}/" + (f"{action}/" if action else "")


# --- reading ------------------------------------------------------------------------------------


def test_the_list_is_scoped_filtered_and_runs_a_fixed_number_of_queries(
    api_as, users, estate_a, unit_b, django_assert_max_num_queries
):
    for _ in range(12):
        MoveInFactory(unit=UnitFactory(building__estate=estate_a))
    done = MoveInFactory(unit=UnitFactory(building__estate=estate_a), status=Status.COMPLETED)
    other = MoveInFactory(unit=unit_b)
    client = api_as(users["frontdesk"])
    with django_assert_max_num_queries(8):
        response = client.get(URL)
    assert response.status_code == 200
    ids = {row["id"] for row in response.json()["results"]}
    assert len(ids) == 13 and other.pk not in ids
    rows = client.get(URL, {"status": "completed"}).json()["results"]
    assert [row["id"] for row in rows] == [done.pk]
    rows = client.get(URL, {"unit": done.unit_id}).json()["results"]
    assert [row["id"] for row in rows] == [done.pk]
    assert client.get(URL, {"unit": "abc"}).status_code == 400
    assert client.get(_url(other)).status_code == 404


def test_retrieve_lists_the_actions_and_what_is_owed(api_as, users, ready, owner):
    move_in = walk(unit=ready, owner=owner, desk=users["frontdesk"], manager=users["manager"], to="documents")
    body = api_as(users["frontdesk"]).get(_url(move_in)).json()
    assert body["status"] == "documents" and body["checklist"]
    # The required checklist lines are not done yet: nothing to do but tick them.
    assert body["available_actions"] == []
    assert body["owner_mobile"].count("*") >= 4
    body = api_as(users["manager"]).get(_url(move_in)).json()
    assert {a["endpoint"] for a in body["available_actions"]} == {"cancel"}


# --- scheduling ---------------------------------------------------------------------------------


def test_scheduling_is_idempotent_and_a_second_open_move_in_is_a_409(api_as, users, ready, owner):
    client = api_as(users["frontdesk"])
    payload = {"unit": ready.pk, "owner": owner.pk}
    assert client.post(URL, payload, format="json").status_code == 400  # no key
    first = client.post(URL, payload, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert first.status_code == 201
    again = client.post(URL, payload, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert again.status_code == 200 and again["Idempotent-Replayed"] == "true"
    assert again.json()["id"] == first.json()["id"]
    second = client.post(URL, payload, format="json", HTTP_IDEMPOTENCY_KEY="k-2")
    assert second.status_code == 409 and second.json()["code"] == "open_move_in_exists"
    assert MoveIn.objects.filter(unit=ready).count() == 1


def test_residents_and_the_clerk_cannot_schedule(api_as, users, resident, ready, owner):
    payload = {"unit": ready.pk, "owner": owner.pk, "idempotency_key": "k"}
    assert api_as(users["clerk"]).post(URL, payload, format="json").status_code == 403
    assert api_as(resident).post(URL, payload, format="json").status_code == 403
    assert not MoveIn.objects.exists()


# --- the steps ----------------------------------------------------------------------------------


def test_a_handover_through_the_api(api_as, users, ready, owner):
    meter = Meter.objects.create(
        estate=ready.estate, unit=ready, kind=Meter.Kind.WATER, initial_reading="10.00"
    )
    desk, clerk = api_as(users["frontdesk"]), api_as(users["clerk"])
    move_in = schedule(unit=ready, owner=owner, actor=users["frontdesk"])
    assert desk.post(_url(move_in, "start"), {}, format="json").status_code == 200
    refused = desk.post(_url(move_in, "finish-documents"), {}, format="json")
    assert refused.status_code in (400, 409) and refused.json()["code"] == "checklist_incomplete"
    for item in move_in.checklist.filter(is_required=True):
        if item.needs_signed_copy:
            from tests.moveins.conftest import a_photo

            response = desk.post(
                _url(move_in, "checklist"), {"item": item.pk, "signed_copy": a_photo()}, format="multipart"
            )
        else:
            data = {"item": item.pk, "id_number": OWNER_ID if item.is_id_check else ""}
            response = desk.post(_url(move_in, "checklist"), data, format="json")
        assert response.status_code == 200, response.json()
    assert desk.post(_url(move_in, "finish-documents"), {}, format="json").status_code == 200

    # Charges owed: the inspection and the keys say what is owed.
    owed = desk.post(_url(move_in, "confirm-fees"), {}, format="json")
    assert owed.status_code == 409
    assert {line["name"] for line in owed.json()["owed"]} == set(
        move_in.charges.values_list("name", flat=True)
    )
    move_in.refresh_from_db()
    assert move_in.status == Status.FEES

    deposit = move_in.charges.get(kind="deposit")
    assert (
        clerk.post(
            _url(move_in, "take-deposit"), {"charge": deposit.pk, "method": "cash"}, format="json"
        ).status_code
        == 400
    )
    taken = clerk.post(
        _url(move_in, "take-deposit"),
        {"charge": deposit.pk, "method": "cash"},
        format="json",
        HTTP_IDEMPOTENCY_KEY="d-1",
    )
    assert taken.status_code == 200
    for charge in move_in.charges.filter(bill__isnull=False).select_related("bill"):
        billing.record_payment(
            unit=ready,
            amount=charge.bill.outstanding,
            method="cash",
            actor=users["clerk"],
            idempotency_key=new_key(),
            bill_ids=[charge.bill_id],
        )
    assert desk.post(_url(move_in, "confirm-fees"), {}, format="json").status_code == 200

    # A reading below the meter's last is a 400 naming the readings; nothing recorded.
    low = desk.post(
        _url(move_in, "opening-readings"), {"readings": [{"meter": meter.pk, "value": "9.50"}]}, format="json"
    )
    assert low.status_code == 400 and "readings" in low.json()
    assert not OpeningReading.objects.exists() and not MeterReading.objects.exists()
    ok = desk.post(
        _url(move_in, "opening-readings"),
        {"readings": [{"meter": meter.pk, "value": "10.50"}]},
        format="json",
    )
    assert ok.status_code == 200

    assert desk.post(_url(move_in, "pass-inspection"), {"note": "合格"}, format="json").status_code == 200
    keys = {"keys": [{"kind": "入户门钥匙", "count": 3}], "signed_by": owner.name}
    done = desk.post(_url(move_in, "hand-over-keys"), keys, format="json")
    assert done.status_code == 200 and done.json()["status"] == "completed"
    assert done.json()["keys"] == [{"kind": "入户门钥匙", "count": 3}]


def test_keys_while_owed_are_a_409_listing_what_is_owed(api_as, users, estate_a):
    move_in = MoveInFactory(unit=UnitFactory(building__estate=estate_a), status=Status.KEYS)
    MoveInChargeFactory(move_in=move_in, name="钥匙押金", kind="deposit", amount=Decimal("200.00"))
    response = api_as(users["frontdesk"]).post(
        _url(move_in, "hand-over-keys"),
        {"keys": [{"kind": "门禁卡", "count": 2}], "signed_by": "王"},
        format="json",
    )
    assert response.status_code == 409
    body = response.json()
    assert body["owed"] == [{"name": "钥匙押金", "amount": "200.00", "paid": "0.00", "outstanding": "200.00"}]
    assert body["detail"]
    move_in.refresh_from_db()
    assert move_in.status == Status.KEYS and not move_in.keys.exists()


def test_defects_with_a_past_deadline_are_refused_and_nothing_is_created(api_as, users, ready, owner, teams):
    move_in = walk(
        unit=ready, owner=owner, desk=users["frontdesk"], manager=users["manager"], to="inspection"
    )
    client = api_as(users["engineer"])
    tickets = Ticket.objects.count()
    past = {
        "defects": [
            {
                "location": "主卧",
                "description": "空鼓",
                "deadline": (timezone.localdate() + timedelta(days=9)).isoformat(),
            },
            {
                "location": "厨房",
                "description": "渗水",
                "deadline": (timezone.localdate() - timedelta(days=1)).isoformat(),
            },
        ]
    }
    response = client.post(_url(move_in, "record-defects"), past, format="json")
    assert response.status_code == 400 and "defects" in response.json()
    assert not Defect.objects.exists() and Ticket.objects.count() == tickets
    move_in.refresh_from_db()
    assert move_in.status == Status.INSPECTION
    past["defects"] = past["defects"][:1]
    response = client.post(_url(move_in, "record-defects"), past, format="json")
    assert response.status_code == 200 and response.json()["status"] == "rectification"
    assert response.json()["defects"][0]["ticket_number"]


def test_a_transition_out_of_turn_is_a_409_and_a_missing_permission_a_403(api_as, users, ready, owner):
    move_in = schedule(unit=ready, owner=owner, actor=users["frontdesk"])
    assert (
        api_as(users["frontdesk"]).post(_url(move_in, "pass-inspection"), {}, format="json").status_code
        == 409
    )
    assert (
        api_as(users["frontdesk"]).post(_url(move_in, "cancel"), {"reason": "x"}, format="json").status_code
        == 403
    )
    assert api_as(users["manager"]).post(_url(move_in, "cancel"), {}, format="json").status_code == 400
    move_in.refresh_from_db()
    assert move_in.status == Status.SCHEDULED


# --- residents ----------------------------------------------------------------------------------


@pytest.fixture
def handed_over(users, ready, owner):
    move_in = walk(unit=ready, owner=owner, desk=users["frontdesk"], manager=users["manager"], to="completed")
    # The owner became the unit's occupant at the keys; now they sign in to the portal.
    user = UserFactory(username="owner-user")
    user.groups.add(Group.objects.get(name="resident"))
    owner.user = user
    owner.save(update_fields=["user"])
    return move_in, user


def test_the_owner_reads_and_rates_their_own_handover(api_as, handed_over):
    move_in, user = handed_over
    client = api_as(user)
    assert [row["id"] for row in client.get(URL).json()["results"]] == [move_in.pk]
    assert client.get(_url(move_in)).status_code == 200
    assert client.post(_url(move_in, "rate"), {"score": 6}, format="json").status_code == 400
    rated = client.post(_url(move_in, "rate"), {"score": 4, "comment": "很好"}, format="json")
    assert rated.status_code == 200 and rated.json()["satisfaction"] == 4
    assert client.post(_url(move_in, "rate"), {"score": 5}, format="json").json()["satisfaction"] == 5
    assert client.post(_url(move_in, "start"), {}, format="json").status_code == 403


def test_another_resident_sees_nothing_and_a_co_occupant_cannot_rate(api_as, handed_over, resident2, ready):
    move_in, _user = handed_over
    client = api_as(resident2)
    assert client.get(URL).json()["results"] == []
    assert client.get(_url(move_in)).status_code == 404
    assert client.post(_url(move_in, "rate"), {"score": 1}, format="json").status_code == 404
    tenant = make_resident(ready, username="tenant-user", role="tenant")
    assert api_as(tenant).post(_url(move_in, "rate"), {"score": 1}, format="json").status_code == 403
    move_in.refresh_from_db()
    assert move_in.satisfaction is None
