"""The renovation API: lists and pages per role and estate, registration with its idempotency key,
bad input (400 naming the field, in the user's language, nothing changed), one endpoint per
workflow action with the declaration's permissions, money endpoints and query counts."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from billing.models import DepositMovement
from renovations import services
from renovations.models import Deduction, Renovation, RenovationWorker
from tests.billing.conftest import new_key
from tests.factories import make_id_number, make_resident, make_staff
from tests.renovations.conftest import at, worker
from tests.renovations.factories import (
    PatrolFactory,
    RenovationFactory,
    RenovationWorkerFactory,
    ViolationFactory,
)
from tests.renovations.helpers import approved, pdf, permitted, register

pytestmark = pytest.mark.django_db
S = Renovation.Status


def application(unit, owner, items, **overrides) -> dict:
    return {
        "unit": unit.pk,
        "owner": owner.pk,
        "contractor_company": "深圳市安居装饰工程有限公司",
        "contractor_licence": "91440300MA5XXXXX1A",
        "contractor_contact": "李工",
        "contractor_phone": "13912345678",
        "planned_start": "2026-12-07",
        "planned_end": "2027-01-31",
        "scope_items": [item.pk for item in items],
        "workers": [worker(1)],
        "description": "厨卫翻新",
        **overrides,
    }


# --- lists --------------------------------------------------------------------------------------


def test_list_is_scoped_filtered_and_searchable(api_as, users, unit_a, unit_a2, unit_b, regular_item):
    mine = RenovationFactory(unit=unit_a, number="ZX2026-0001", status=S.IN_PROGRESS)
    other = RenovationFactory(unit=unit_a2, number="ZX2026-0002", is_regular=False)
    RenovationFactory(unit=unit_b, number="ZX2026-0003")  # another estate: never listed
    client = api_as(users["frontdesk"])

    def ids(query=""):
        response = client.get(f"/api/renovations/{query}")
        assert response.status_code == 200, response.content
        return [row["id"] for row in response.json()["results"]]

    assert sorted(ids()) == sorted([mine.pk, other.pk])
    assert ids("?status=in_progress") == [mine.pk]
    assert ids(f"?unit={unit_a2.pk}") == [other.pk]
    assert ids("?regular=false") == [other.pk]
    assert ids("?q=0002") == [other.pk]
    assert ids(f"?q={unit_a.code}") == [mine.pk]
    assert ids("?planned_from=2026-05-01") == []
    assert sorted(ids("?planned_until=2026-03-02")) == sorted([mine.pk, other.pk])
    assert client.get("/api/renovations/?unit=１２").status_code == 400
    assert client.get("/api/renovations/?planned_from=0001-01-01").status_code == 400


@pytest.mark.parametrize(
    "path, make",
    [
        (
            "/api/renovations/",
            lambda unit, users: RenovationWorkerFactory(renovation=RenovationFactory(unit=unit)),
        ),
        (
            "/api/renovation-patrols/",
            lambda unit, users: PatrolFactory(
                renovation=RenovationFactory(unit=unit, status=S.IN_PROGRESS), assignee=users["housekeeper"]
            ),
        ),
        (
            "/api/renovation-violations/",
            lambda unit, users: ViolationFactory(
                renovation=RenovationFactory(unit=unit, status=S.IN_PROGRESS)
            ),
        ),
    ],
    ids=["renovations", "patrols", "violations"],
)
def test_list_query_count_does_not_grow_with_rows(
    api_as, users, building_a, path, make, django_assert_max_num_queries
):
    from tests.factories import UnitFactory

    client = api_as(users["manager"])

    def add(n):
        for _ in range(n):
            make(UnitFactory(building=building_a), users)

    add(5)
    client.get(path)  # warm the per-user caches of the first request
    with django_assert_max_num_queries(10) as few:
        response = client.get(path)
    assert len(response.json()["results"]) == 5
    add(20)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(path)
    assert len(response.json()["results"]) == 25


def test_detail_query_count_is_fixed(
    api_as, users, unit_a, owner, rules, regular_item, django_assert_max_num_queries
):
    renovation = approved(unit_a, owner, users, [regular_item], workers=[worker(1), worker(2), worker(3)])
    client = api_as(users["manager"])
    client.get(f"/api/renovations/{renovation.pk}/")
    with django_assert_max_num_queries(25) as few:
        client.get(f"/api/renovations/{renovation.pk}/")
    for n in range(4, 9):
        services.add_worker(renovation=renovation, actor=users["frontdesk"], **worker(n))
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(f"/api/renovations/{renovation.pk}/")
    assert len(response.json()["workers"]) == 8


# --- the page -----------------------------------------------------------------------------------


def test_retrieve_has_scope_masked_workers_charges_and_the_users_actions(
    api_as, users, unit_a, owner, rules, regular_item
):
    renovation = approved(unit_a, owner, users, [regular_item], workers=[worker(1)])
    full = RenovationWorker.objects.get(renovation=renovation)
    data = api_as(users["manager"]).get(f"/api/renovations/{renovation.pk}/").json()
    assert data["status"] == "approved"
    assert [item["name"] for item in data["scope_items"]] == [regular_item.name]
    shown = data["workers"][0]
    assert shown["mobile"] == "137****0001" and "*" in shown["id_number"]
    assert worker(1)["id_number"] not in str(data) and worker(1)["mobile"] not in str(data)
    assert shown["id_number"] == full.id_number_masked
    charges = {c["kind"]: c for c in data["charges"]}
    assert charges["deposit"]["amount"] == "3000.00" and charges["deposit"]["is_paid"] is False
    assert charges["rubbish"]["is_paid"] is False
    assert data["deposit_held"] == "0.00"
    assert {a["endpoint"] for a in data["available_actions"]} == {
        "withdraw",
        "record_agreement",
        "waive_charges",
    }
    clerk_actions = (
        api_as(users["clerk"]).get(f"/api/renovations/{renovation.pk}/").json()["available_actions"]
    )
    assert {a["endpoint"] for a in clerk_actions} == {"withdraw", "record_agreement"}


def test_paid_charges_show_as_paid(api_as, users, unit_a, owner, rules, regular_item):
    renovation = permitted(unit_a, owner, users, [regular_item])
    data = api_as(users["clerk"]).get(f"/api/renovations/{renovation.pk}/").json()
    assert all(charge["is_paid"] for charge in data["charges"])
    assert data["deposit_held"] == "3000.00"


def test_send_for_review_is_offered_as_one_endpoint(api_as, users, unit_a, owner, rules, non_regular_item):
    renovation = register(unit_a, owner, users["frontdesk"], [non_regular_item])
    data = api_as(users["frontdesk"]).get(f"/api/renovations/{renovation.pk}/").json()
    offered = {a["action"]: a["endpoint"] for a in data["available_actions"]}
    assert offered["send_to_engineering"] == "send_for_review"


# --- residents ----------------------------------------------------------------------------------


def test_residents_read_their_own_units_renovations_only(api_as, users, resident, unit_a, unit_a2):
    own = RenovationFactory(unit=unit_a, status=S.IN_PROGRESS)
    RenovationWorkerFactory(renovation=own)
    theirs = RenovationFactory(unit=unit_a2)
    RenovationWorkerFactory(renovation=theirs)
    client = api_as(resident)
    assert [r["id"] for r in client.get("/api/renovations/").json()["results"]] == [own.pk]
    assert client.get(f"/api/renovations/{own.pk}/").status_code == 200
    assert client.get(f"/api/renovations/{theirs.pk}/").status_code == 404
    workers = client.get(f"/api/renovations/{own.pk}/workers/")
    assert workers.status_code == 200 and "*" in workers.json()[0]["mobile"]
    assert client.get(f"/api/renovations/{theirs.pk}/workers/").status_code == 404
    # Read-only: no action, no patrols or violations, no documents.
    assert client.post(f"/api/renovations/{own.pk}/request_completion/", {}, format="json").status_code == 403
    assert client.get(f"/api/renovations/{own.pk}/documents/").status_code == 403
    assert client.get("/api/renovation-patrols/").status_code == 403
    assert client.get("/api/renovation-violations/").status_code == 403


def test_staff_of_another_estate_get_404(api_as, unit_a, estate_b):
    renovation = RenovationFactory(unit=unit_a)
    stranger = make_staff("manager", estate_b, username="manager_b")
    assert api_as(stranger).get(f"/api/renovations/{renovation.pk}/").status_code == 404
    assert (
        api_as(stranger).post(f"/api/renovations/{renovation.pk}/approve/", {}, format="json").status_code
        == 404
    )


# --- registration -------------------------------------------------------------------------------


def test_register_is_idempotent(api_as, users, unit_a, owner, rules, regular_item):
    client = api_as(users["frontdesk"])
    body = application(unit_a, owner, [regular_item])
    first = client.post("/api/renovations/", body, format="json", HTTP_IDEMPOTENCY_KEY="reg-1")
    assert first.status_code == 201, first.content
    assert first.json()["status"] == "submitted" and "ZX2026-" in first.json()["number"]
    again = client.post("/api/renovations/", body, format="json", HTTP_IDEMPOTENCY_KEY="reg-1")
    assert again.status_code == 200 and again["Idempotent-Replayed"] == "true"
    assert again.json()["id"] == first.json()["id"]
    assert Renovation.objects.count() == 1
    assert first.json()["workers"][0]["mobile"] == "137****0001"


def test_register_takes_the_key_in_the_body_and_needs_one(api_as, users, unit_a, owner, rules, regular_item):
    client = api_as(users["frontdesk"])
    missing = client.post("/api/renovations/", application(unit_a, owner, [regular_item]), format="json")
    assert missing.status_code == 400 and "Idempotency-Key" in missing.json()
    body = application(unit_a, owner, [regular_item], idempotency_key="body-key")
    assert client.post("/api/renovations/", body, format="json").status_code == 201
    assert client.post("/api/renovations/", body, format="json").status_code == 200
    assert Renovation.objects.count() == 1


@pytest.mark.parametrize(
    "change, field",
    [
        ({"planned_start": "2027-01-31", "planned_end": "2026-12-07"}, "planned_end"),
        ({"workers": [worker(1, mobile="12345")]}, "workers"),
        ({"workers": [worker(1, id_number=make_id_number(7)[:-1] + "Y")]}, "workers"),
        ({"scope_items": "other_estate"}, "scope_items"),
        (
            {"planned_start": "2026-12-07", "planned_end": "2027-12-31"},
            "planned_end",
        ),  # longer than the rules
        ({"contractor_company": ""}, "contractor_company"),
    ],
    ids=["end_before_start", "worker_mobile", "worker_id", "scope_other_estate", "too_long", "no_contractor"],
)
def test_register_bad_input_names_the_field_and_changes_nothing(
    api_as, users, unit_a, owner, rules, regular_item, other_estate_item, change, field
):
    if change.get("scope_items") == "other_estate":
        change = {"scope_items": [regular_item.pk, other_estate_item.pk]}
    body = application(unit_a, owner, [regular_item], **change)
    response = api_as(users["frontdesk"]).post(
        "/api/renovations/", body, format="json", HTTP_IDEMPOTENCY_KEY=new_key()
    )
    assert response.status_code == 400, response.content
    assert field in response.json()
    assert not Renovation.objects.exists() and not RenovationWorker.objects.exists()


def test_bad_input_is_explained_in_the_users_language(api_as, users, unit_a, owner, rules, regular_item):
    body = application(unit_a, owner, [regular_item], workers=[worker(1, mobile="12345")])
    response = api_as(users["frontdesk"]).post(
        "/api/renovations/",
        body,
        format="json",
        HTTP_IDEMPOTENCY_KEY=new_key(),
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    assert response.status_code == 400
    assert "手机号" in str(response.json()["workers"])


def test_technician_cannot_register(api_as, users, unit_a, owner, rules, regular_item):
    response = api_as(users["technician"]).post(
        "/api/renovations/",
        application(unit_a, owner, [regular_item]),
        format="json",
        HTTP_IDEMPOTENCY_KEY="t",
    )
    assert response.status_code == 403 and not Renovation.objects.exists()


def test_edit_while_submitted_only(api_as, users, unit_a, owner, rules, regular_item, non_regular_item):
    renovation = register(unit_a, owner, users["frontdesk"], [regular_item])
    client = api_as(users["frontdesk"])
    response = client.patch(
        f"/api/renovations/{renovation.pk}/", {"scope_items": [non_regular_item.pk]}, format="json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["is_regular"] is False
    bad = client.patch(f"/api/renovations/{renovation.pk}/", {"planned_end": "2026-01-01"}, format="json")
    assert bad.status_code == 400 and "planned_end" in bad.json()
    client.post(f"/api/renovations/{renovation.pk}/send_for_review/", {}, format="json")
    refused = client.patch(f"/api/renovations/{renovation.pk}/", {"description": "改"}, format="json")
    assert refused.status_code == 409
    renovation.refresh_from_db()
    assert renovation.description != "改"


# --- transitions --------------------------------------------------------------------------------


def test_review_permissions_follow_the_workflow(api_as, users, unit_a, owner, rules, non_regular_item):
    renovation = register(unit_a, owner, users["frontdesk"], [non_regular_item])
    sent = api_as(users["frontdesk"]).post(
        f"/api/renovations/{renovation.pk}/send_for_review/", {}, format="json"
    )
    assert sent.status_code == 200 and sent.json()["status"] == "engineering_review"
    url = f"/api/renovations/{renovation.pk}/engineering_approve/"
    assert api_as(users["technician"]).post(url, {}, format="json").status_code == 403
    assert api_as(users["frontdesk"]).post(url, {}, format="json").status_code == 403
    assert (
        api_as(users["technician"])
        .post(f"/api/renovations/{renovation.pk}/approve/", {}, format="json")
        .status_code
        == 403
    )
    response = api_as(users["engineer"]).post(url, {"note": "结构安全"}, format="json")
    assert response.status_code == 200 and response.json()["status"] == "manager_review"
    assert {
        a["endpoint"]
        for a in api_as(users["manager"])
        .get(f"/api/renovations/{renovation.pk}/")
        .json()["available_actions"]
    } >= {"approve", "request_changes", "reject"}
    again = api_as(users["engineer"]).post(url, {}, format="json", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert again.status_code == 409 and again.json()["detail"]


def test_refused_transition_is_409_and_changes_nothing(api_as, users, unit_a, owner, rules, regular_item):
    renovation = register(unit_a, owner, users["frontdesk"], [regular_item])
    response = api_as(users["manager"]).post(f"/api/renovations/{renovation.pk}/approve/", {}, format="json")
    assert response.status_code == 409
    renovation.refresh_from_db()
    assert renovation.status == S.SUBMITTED and not renovation.charges.exists()


def test_reasons_are_required(api_as, users, unit_a, owner, rules, regular_item):
    renovation = register(unit_a, owner, users["frontdesk"], [regular_item])
    services.send_for_review(renovation=renovation, actor=users["frontdesk"])
    url = f"/api/renovations/{renovation.pk}/request_changes/"
    response = api_as(users["manager"]).post(url, {"reason": "  "}, format="json")
    assert response.status_code == 400 and "reason" in response.json()
    done = api_as(users["manager"]).post(url, {"reason": "请补充水电图纸"}, format="json")
    assert done.status_code == 200 and done.json()["status"] == "changes_requested"
    resubmitted = api_as(users["frontdesk"]).post(
        f"/api/renovations/{renovation.pk}/resubmit/", {"description": "补充图纸"}, format="json"
    )
    assert resubmitted.status_code == 200 and resubmitted.json()["status"] == "submitted"
    assert resubmitted.json()["description"] == "补充图纸"


def test_from_approval_to_works_through_the_api(api_as, users, unit_a, owner, rules, regular_item):
    from billing import services as billing

    # Requests run at the real time: a period still to come, so the permit may be issued today.
    today = timezone.localdate()
    renovation = register(
        unit_a,
        owner,
        users["frontdesk"],
        [regular_item],
        planned_start=today,
        planned_end=today + timedelta(days=60),
        now=timezone.now(),
    )
    services.send_for_review(renovation=renovation, actor=users["frontdesk"])
    services.approve_renovation(renovation=renovation, actor=users["manager"])
    clerk = api_as(users["clerk"])
    base = f"/api/renovations/{renovation.pk}"
    early = clerk.post(f"{base}/issue_permit/", {}, format="json")
    assert early.status_code == 400 and early.json()["code"] == "agreement_not_signed"
    agreement = clerk.post(f"{base}/record_agreement/", {"scanned_copy": pdf()}, format="multipart")
    assert agreement.status_code == 200, agreement.content
    assert agreement.json()["agreement_signed_at"]
    assert (
        clerk.post(
            f"{base}/take_deposit/", {"method": "cash"}, format="json", HTTP_IDEMPOTENCY_KEY="d1"
        ).status_code
        == 200
    )
    unpaid = clerk.post(f"{base}/issue_permit/", {}, format="json")
    assert unpaid.status_code == 400 and unpaid.json()["code"] == "charges_unpaid"
    bills = [c.bill for c in renovation.charges.exclude(bill=None).select_related("bill")]
    billing.record_payment(
        unit=unit_a,
        amount=str(sum(b.amount for b in bills)),
        method="cash",
        actor=users["clerk"],
        idempotency_key=new_key(),
        bill_ids=[b.pk for b in bills],
    )
    permit = clerk.post(f"{base}/issue_permit/", {}, format="json")
    assert permit.status_code == 200 and permit.json()["status"] == "permitted"
    started = clerk.post(f"{base}/start_works/", {}, format="json")
    assert started.status_code == 200 and started.json()["status"] == "in_progress"
    assert api_as(users["engineer"]).post(f"{base}/start_works/", {}, format="json").status_code == 403


def test_only_a_manager_waives_the_charges(api_as, users, unit_a, owner, rules, regular_item):
    renovation = approved(unit_a, owner, users, [regular_item])
    url = f"/api/renovations/{renovation.pk}/waive_charges/"
    assert api_as(users["clerk"]).post(url, {"reason": "困难户"}, format="json").status_code == 403
    response = api_as(users["manager"]).post(url, {"reason": "困难户"}, format="json")
    assert response.status_code == 200 and response.json()["fees_waived_at"]


# --- money --------------------------------------------------------------------------------------


def test_deposit_is_taken_once(api_as, users, unit_a, owner, rules, regular_item):
    renovation = approved(unit_a, owner, users, [regular_item])
    client = api_as(users["clerk"])
    url = f"/api/renovations/{renovation.pk}/take_deposit/"
    no_key = client.post(url, {"method": "cash"}, format="json")
    assert no_key.status_code == 400 and "Idempotency-Key" in no_key.json()
    bad_method = client.post(url, {"method": "prepaid"}, format="json", HTTP_IDEMPOTENCY_KEY="k1")
    assert bad_method.status_code == 400 and "method" in bad_method.json()
    assert not DepositMovement.objects.exists()
    first = client.post(url, {"method": "cash"}, format="json", HTTP_IDEMPOTENCY_KEY="k1")
    assert first.status_code == 200 and first.json()["deposit_held"] == "3000.00"
    replay = client.post(url, {"method": "cash", "idempotency_key": "k1"}, format="json")
    assert replay.status_code == 200
    second = client.post(url, {"method": "cash"}, format="json", HTTP_IDEMPOTENCY_KEY="k2")
    assert second.status_code == 409
    assert DepositMovement.objects.count() == 1
    assert (
        api_as(users["frontdesk"])
        .post(url, {"method": "cash"}, format="json", HTTP_IDEMPOTENCY_KEY="k3")
        .status_code
        == 403
    )


def test_deduction_larger_than_the_deposit_is_refused(api_as, users, unit_a, owner, rules, regular_item):
    renovation = permitted(unit_a, owner, users, [regular_item])
    client = api_as(users["engineer"])
    url = f"/api/renovations/{renovation.pk}/deductions/"
    too_much = client.post(url, {"amount": "3000.01", "reason": "走廊墙面损坏"}, format="json")
    assert too_much.status_code == 400 and "amount" in too_much.json()
    assert not Deduction.objects.exists()
    assert client.post(url, {"amount": 12.5, "reason": "x"}, format="json").status_code == 400  # a float
    made = client.post(url, {"amount": "200.00", "reason": "走廊墙面损坏"}, format="json")
    assert made.status_code == 201 and made.json()["amount"] == "200.00"
    assert [d["id"] for d in client.get(url).json()] == [made.json()["id"]]
    assert (
        api_as(users["frontdesk"]).post(url, {"amount": "1", "reason": "x"}, format="json").status_code == 403
    )
    withdrawn = client.post(f"{url}{made.json()['id']}/withdraw/", {}, format="json")
    assert withdrawn.status_code == 200 and withdrawn.json() == []


def _at_second_inspection(unit, owner, users, items):
    renovation = permitted(unit, owner, users, items)
    services.start_works(renovation=renovation, actor=users["clerk"], now=at(2026, 3, 2))
    services.request_completion(renovation=renovation, actor=users["frontdesk"], now=at(2026, 4, 28))
    services.pass_acceptance(renovation=renovation, actor=users["engineer"], now=at(2026, 4, 29))
    services.pass_second_inspection(renovation=renovation, actor=users["engineer"], now=at(2026, 7, 29))
    return renovation


def test_refund_once_with_the_deductions(api_as, users, unit_a, owner, rules, regular_item):
    renovation = _at_second_inspection(unit_a, owner, users, [regular_item])
    services.propose_deduction(
        renovation=renovation, actor=users["engineer"], amount="300.00", reason="公共区域垃圾"
    )
    url = f"/api/renovations/{renovation.pk}/approve_refund/"
    assert (
        api_as(users["engineer"])
        .post(url, {"method": "cash"}, format="json", HTTP_IDEMPOTENCY_KEY="r")
        .status_code
        == 403
    )
    client = api_as(users["manager"])
    refunded = client.post(url, {"method": "cash"}, format="json", HTTP_IDEMPOTENCY_KEY="refund-1")
    assert refunded.status_code == 200, refunded.content
    assert refunded.json()["status"] == "refunded" and refunded.json()["deposit_held"] == "0.00"
    movements = DepositMovement.objects.count()
    replay = client.post(url, {"method": "cash"}, format="json", HTTP_IDEMPOTENCY_KEY="refund-1")
    assert replay.status_code == 200
    second = client.post(url, {"method": "cash"}, format="json", HTTP_IDEMPOTENCY_KEY="refund-2")
    assert second.status_code == 409
    assert DepositMovement.objects.count() == movements
    assert Deduction.objects.get().movement_id is not None


# --- workers and documents ----------------------------------------------------------------------


def test_workers_added_and_removed_with_a_reason(api_as, users, unit_a, owner, rules, regular_item):
    renovation = register(unit_a, owner, users["frontdesk"], [regular_item])
    client = api_as(users["frontdesk"])
    url = f"/api/renovations/{renovation.pk}/workers/"
    bad = client.post(url, worker(5, mobile="2345678901"), format="json", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert bad.status_code == 400 and "手机号" in str(bad.json()["mobile"])
    bad_id = client.post(url, worker(5, id_number="110101199001011234X"), format="json")
    assert bad_id.status_code == 400 and "id_number" in bad_id.json()
    assert renovation.workers.count() == 1
    added = client.post(url, worker(5), format="json")
    assert added.status_code == 201 and "*" in added.json()["id_number"]
    assert worker(5)["id_number"] not in added.content.decode()
    listed = api_as(users["clerk"]).get(url).json()
    assert len(listed) == 2
    assert api_as(users["technician"]).get(url).status_code == 403
    remove = f"{url}{added.json()['id']}/remove/"
    assert client.post(remove, {}, format="json").status_code == 400
    removed = client.post(remove, {"reason": "已离场"}, format="json")
    assert removed.status_code == 200 and removed.json()["removed_at"]
    assert client.post(f"{url}999999/remove/", {"reason": "x"}, format="json").status_code == 404


def test_documents_upload_and_download(api_as, users, unit_a, owner, rules, regular_item, settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path)},
        },
    }
    renovation = register(unit_a, owner, users["frontdesk"], [regular_item])
    client = api_as(users["frontdesk"])
    url = f"/api/renovations/{renovation.pk}/documents/"
    uploaded = client.post(url, {"kind": "plan", "file": pdf("平面图.pdf")}, format="multipart")
    assert uploaded.status_code == 201, uploaded.content
    wrong_kind = client.post(url, {"kind": "enforcement_letter", "file": pdf()}, format="multipart")
    assert wrong_kind.status_code == 400 and "kind" in wrong_kind.json()
    reader = api_as(users["clerk"])
    listed = reader.get(url).json()
    assert [d["original_name"] for d in listed] == ["平面图.pdf"]
    assert reader.get(listed[0]["url"]).status_code == 200
    assert client.get(url).status_code == 403  # the front desk has no document permission


# --- patrols, violations, complaints, figures --------------------------------------------------


def test_patrols_mine_missed_and_record(api_as, users, unit_a, unit_a2):
    today = timezone.localdate()
    mine = PatrolFactory(
        renovation=RenovationFactory(unit=unit_a, status=S.IN_PROGRESS),
        assignee=users["housekeeper"],
        date=today,
    )
    missed = PatrolFactory(
        renovation=RenovationFactory(unit=unit_a2, status=S.IN_PROGRESS), date=today - timedelta(days=1)
    )
    client = api_as(users["housekeeper"])
    assert [p["id"] for p in client.get("/api/renovation-patrols/?assignee=me").json()["results"]] == [
        mine.pk
    ]
    assert [p["id"] for p in client.get("/api/renovation-patrols/?missed=true").json()["results"]] == [
        missed.pk
    ]
    assert [p["id"] for p in client.get(f"/api/renovation-patrols/?date={today}").json()["results"]] == [
        mine.pk
    ]
    url = f"/api/renovation-patrols/{mine.pk}/record/"
    incomplete = client.post(url, {"result": "violation"}, format="json")
    assert incomplete.status_code == 400 and "violation_kind" in incomplete.json()
    assert api_as(users["clerk"]).post(url, {"result": "ok"}, format="json").status_code == 403
    found = client.post(
        url,
        {
            "result": "violation",
            "violation_kind": "out_of_hours",
            "violation_description": "午休时间电钻施工",
        },
        format="json",
    )
    assert found.status_code == 200, found.content
    assert found.json()["result"] == "violation"
    assert mine.violations.get().source == "patrol"


def _photo(name="现场.png"):
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(buffer, format="PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def test_patrol_recorded_with_photos_as_multipart(api_as, users, unit_a, settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path)},
        },
    }
    patrol = PatrolFactory(
        renovation=RenovationFactory(unit=unit_a, status=S.IN_PROGRESS),
        assignee=users["housekeeper"],
        date=timezone.localdate(),
    )
    response = api_as(users["housekeeper"]).post(
        f"/api/renovation-patrols/{patrol.pk}/record/",
        {"result": "ok", "findings": "现场整洁", "photos": [_photo(), _photo("走廊.png")]},
        format="multipart",
    )
    assert response.status_code == 200, response.content
    assert response.json()["result"] == "ok"
    assert patrol.documents.count() == 2


def test_violations_filter_create_and_follow_up(api_as, users, unit_a):
    renovation = RenovationFactory(unit=unit_a, status=S.IN_PROGRESS)
    overdue = ViolationFactory(renovation=renovation, rectify_by=date(2026, 1, 5), status="rectifying")
    client = api_as(users["housekeeper"])
    assert [v["id"] for v in client.get("/api/renovation-violations/?overdue=true").json()["results"]] == [
        overdue.pk
    ]
    created = client.post(
        "/api/renovation-violations/",
        {
            "unit": unit_a.pk,
            "renovation": renovation.pk,
            "kind": "rubbish",
            "source": "staff",
            "description": "楼道堆放建筑垃圾",
        },
        format="json",
    )
    assert created.status_code == 201, created.content
    violation_id = created.json()["id"]
    kinds = client.get(f"/api/renovation-violations/?kind=rubbish&renovation={renovation.pk}").json()[
        "results"
    ]
    assert [v["id"] for v in kinds] == [violation_id]
    base = f"/api/renovation-violations/{violation_id}"
    past = client.post(f"{base}/order_rectification/", {"rectify_by": "2020-01-01"}, format="json")
    assert past.status_code == 400
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    ordered = client.post(f"{base}/order_rectification/", {"rectify_by": tomorrow}, format="json")
    assert ordered.status_code == 200 and ordered.json()["status"] == "rectifying"
    assert (
        client.post(f"{base}/escalate/", {"enforcement_reference": "城管2026-1"}, format="json").status_code
        == 403
    )
    done = client.post(f"{base}/confirm_rectified/", {}, format="json")
    assert done.status_code == 200 and done.json()["status"] == "rectified"
    assert client.post(f"{base}/dismiss/", {"note": "x"}, format="json").status_code == 409


def test_link_complaint_ticket(api_as, users, unit_a, unit_b):
    from tests.tickets.conftest import ensure_default_categories
    from tests.tickets.factories import TicketFactory
    from tickets.models import Ticket, TicketCategory

    ensure_default_categories()
    renovation = RenovationFactory(unit=unit_a, status=S.IN_PROGRESS)
    category = TicketCategory.objects.get(code="renovation")
    complaint = TicketFactory(unit=unit_a, kind=Ticket.Kind.COMPLAINT, category=category)
    elsewhere = TicketFactory(unit=unit_b, kind=Ticket.Kind.COMPLAINT, category=category)
    client = api_as(users["housekeeper"])
    url = f"/api/renovations/{renovation.pk}/link_complaint/"
    refused = client.post(url, {"ticket": elsewhere.pk}, format="json")
    assert refused.status_code == 400 and "ticket" in refused.json()
    linked = client.post(url, {"ticket": complaint.pk}, format="json")
    assert linked.status_code == 201, linked.content
    assert linked.json()["ticket"] == complaint.pk and linked.json()["source"] == "resident_report"


def test_metrics_validation_scope_and_grouping(api_as, users, unit_a, estate_a, estate_b):
    ViolationFactory(renovation=RenovationFactory(unit=unit_a, status=S.IN_PROGRESS), found_at=at(2026, 3, 5))
    client = api_as(users["supervisor"])
    bad = client.get(
        f"/api/renovations/metrics/?estate={estate_a.pk}&month=2026-13", HTTP_ACCEPT_LANGUAGE="zh-hans"
    )
    assert bad.status_code == 400 and "month" in bad.json()
    assert client.get("/api/renovations/metrics/?month=2026-03").status_code == 400
    assert (
        client.get(f"/api/renovations/metrics/?estate={estate_a.pk}&month=2026-03&by=team").status_code == 400
    )
    assert client.get(f"/api/renovations/metrics/?estate={estate_b.pk}&month=2026-03").status_code == 404
    ok = client.get(f"/api/renovations/metrics/?estate={estate_a.pk}&month=2026-03")
    assert ok.status_code == 200 and ok.json()["violations"] == 1
    assert ok.json()["violation_discovery_rate"] == 1.0
    by_zone = client.get(f"/api/renovations/metrics/?estate={estate_a.pk}&month=2026-03&by=zone").json()
    assert by_zone["by"] == "zone" and sum(row["violations"] for row in by_zone["results"]) == 1
    assert (
        api_as(users["technician"])
        .get(f"/api/renovations/metrics/?estate={estate_a.pk}&month=2026-03")
        .status_code
        == 403
    )


def test_residents_of_another_unit_get_404_on_every_read(api_as, unit_a, unit_a2):
    renovation = RenovationFactory(unit=unit_a2)
    outsider = make_resident(unit_a, username="outsider")
    client = api_as(outsider)
    assert client.get(f"/api/renovations/{renovation.pk}/").status_code == 404
    assert client.get(f"/api/renovations/{renovation.pk}/workers/").status_code == 404
    assert client.get("/api/renovations/").json()["results"] == []


def test_money_fields_are_strings(api_as, users, unit_a):
    violation = ViolationFactory(
        renovation=RenovationFactory(unit=unit_a, status=S.IN_PROGRESS), proposed_deduction=Decimal("50")
    )
    data = api_as(users["manager"]).get(f"/api/renovation-violations/{violation.pk}/").json()
    assert data["proposed_deduction"] == "50.00"
