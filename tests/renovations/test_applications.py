"""Registering an application: classification from the scope items' data, the checks on its
input (each refused with nothing written), idempotent registration, changes under review."""

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied

from renovations import services
from renovations.models import Renovation, RenovationEvent, RenovationWorker
from servicecenter.exceptions import DomainError
from tests.renovations.conftest import at, worker
from tests.renovations.factories import ScopeItemFactory
from tests.renovations.helpers import register

pytestmark = pytest.mark.django_db


def test_registration_numbers_the_application_and_writes_its_first_event(
    unit_a, owner, frontdesk, rules, regular_item
):
    renovation = register(unit_a, owner, frontdesk, [regular_item], now=at(2026, 2, 10))
    assert renovation.status == Renovation.Status.SUBMITTED
    assert renovation.number == "LJY-ZX2026-0001"
    event = RenovationEvent.objects.get(renovation=renovation)
    assert (event.action, event.from_status, event.to_status, event.actor) == (
        "register",
        "",
        "submitted",
        frontdesk,
    )
    stored = RenovationWorker.objects.get(renovation=renovation)
    assert stored.mobile == "13712340001"
    assert stored.id_number_masked.startswith("110") and "*" in stored.id_number_masked
    assert renovation.contractor_phone == "13912345678"


def test_classification_is_the_scope_items_data(unit_a, owner, frontdesk, rules, regular_item, regular_item2):
    assert register(unit_a, owner, frontdesk, [regular_item, regular_item2]).is_regular
    Renovation.objects.all().update(status=Renovation.Status.CLOSED)
    # The same kind of work marked non-regular by the manager in the admin: data, not code.
    regular_item2.is_regular = False
    regular_item2.save()
    assert not register(unit_a, owner, frontdesk, [regular_item, regular_item2]).is_regular


def test_same_idempotency_key_twice_gives_one_application(unit_a, owner, frontdesk, rules, regular_item):
    first = register(unit_a, owner, frontdesk, [regular_item], key="k-1")
    again = register(unit_a, owner, frontdesk, [regular_item], key="k-1")
    assert again.pk == first.pk
    assert Renovation.objects.count() == 1
    assert RenovationEvent.objects.count() == 1


def _refused(code, unit, owner, actor, items, **overrides):
    with pytest.raises(DomainError) as caught:
        register(unit, owner, actor, items, **overrides)
    assert caught.value.code == code
    assert not Renovation.objects.exists()
    assert not RenovationWorker.objects.exists()
    return caught.value


def test_planned_end_before_start_is_refused(unit_a, owner, frontdesk, rules, regular_item):
    error = _refused(
        "invalid_period",
        unit_a,
        owner,
        frontdesk,
        [regular_item],
        planned_start=date(2026, 3, 10),
        planned_end=date(2026, 3, 9),
    )
    assert "before" in error.message


def test_a_period_longer_than_the_rules_allow_is_refused(unit_a, owner, frontdesk, rules, regular_item):
    _refused(
        "period_too_long",
        unit_a,
        owner,
        frontdesk,
        [regular_item],
        planned_start=date(2026, 3, 1),
        planned_end=date(2026, 8, 28),  # 181 days
    )


def test_the_longest_period_allowed_is_accepted(unit_a, owner, frontdesk, rules, regular_item):
    renovation = register(
        unit_a,
        owner,
        frontdesk,
        [regular_item],
        planned_start=date(2026, 3, 1),
        planned_end=date(2026, 8, 27),
    )
    assert renovation.planned_end == date(2026, 8, 27)


def test_a_scope_item_of_another_estate_is_refused(
    unit_a, owner, frontdesk, rules, regular_item, other_estate_item
):
    _refused("scope_item_wrong_estate", unit_a, owner, frontdesk, [regular_item, other_estate_item])


def test_an_inactive_scope_item_or_none_is_refused(unit_a, owner, frontdesk, rules, estate_a):
    retired = ScopeItemFactory(estate=estate_a, name="旧项目", is_active=False)
    _refused("scope_item_inactive", unit_a, owner, frontdesk, [retired])
    _refused("scope_required", unit_a, owner, frontdesk, [])


@pytest.mark.parametrize(
    ("bad", "code"),
    [
        ({"mobile": "12345"}, "worker_mobile_invalid"),
        ({"mobile": "10012345678"}, "worker_mobile_invalid"),
        ({"id_number": "110101198503151230"}, "worker_id_invalid"),  # wrong check character
        ({"id_number": "11010119850315"}, "worker_id_invalid"),
        ({"name": " "}, "worker_name_required"),
    ],
)
def test_a_worker_without_valid_details_is_refused(unit_a, owner, frontdesk, rules, regular_item, bad, code):
    _refused(code, unit_a, owner, frontdesk, [regular_item], workers=[worker(1), worker(2, **bad)])


def test_the_same_worker_twice_is_refused(unit_a, owner, frontdesk, rules, regular_item):
    _refused(
        "duplicate_worker",
        unit_a,
        owner,
        frontdesk,
        [regular_item],
        workers=[worker(1), worker(1, name="别名")],
    )


def test_only_a_current_owner_may_apply(unit_a, unit_a2, owner, frontdesk, rules, regular_item):
    # The owner of unit A is not an owner of unit A2.
    _refused("not_owner", unit_a2, owner, frontdesk, [regular_item])


def test_a_unit_has_one_open_application_at_a_time(unit_a, owner, frontdesk, rules, regular_item):
    register(unit_a, owner, frontdesk, [regular_item])
    with pytest.raises(DomainError) as caught:
        register(unit_a, owner, frontdesk, [regular_item])
    assert caught.value.code == "renovation_open"
    assert Renovation.objects.count() == 1


def test_registration_needs_the_permission_and_the_estate(
    unit_a, unit_b, owner, users, estate_b, rules, regular_item
):
    with pytest.raises(PermissionDenied):
        register(unit_a, owner, users["housekeeper"], [regular_item])
    with pytest.raises(PermissionDenied):
        register(unit_b, owner, users["frontdesk"], [regular_item])
    assert not Renovation.objects.exists()


def test_registration_needs_an_idempotency_key(unit_a, owner, frontdesk, rules, regular_item):
    with pytest.raises(DomainError) as caught:
        services.register_renovation(
            unit=unit_a,
            owner=owner,
            actor=frontdesk,
            contractor_company="安居装饰",
            contractor_licence="L1",
            contractor_contact="李工",
            contractor_phone="13912345678",
            planned_start=date(2026, 3, 2),
            planned_end=date(2026, 3, 30),
            scope_items=[regular_item],
            idempotency_key="  ",
        )
    assert caught.value.code == "idempotency_key_required"


def test_numbers_count_per_estate_and_year(unit_a, unit_a2, owner, frontdesk, rules, regular_item):
    from tests.renovations.factories import current_owner

    first = register(unit_a, owner, frontdesk, [regular_item], now=at(2026, 12, 31, 23, 0))
    second = register(unit_a2, current_owner(unit_a2), frontdesk, [regular_item], now=at(2027, 1, 1, 0, 30))
    assert (first.number, second.number) == ("LJY-ZX2026-0001", "LJY-ZX2027-0001")


def test_update_recomputes_regular_and_keeps_a_note(
    unit_a, owner, frontdesk, rules, regular_item, non_regular_item
):
    renovation = register(unit_a, owner, frontdesk, [regular_item])
    renovation = services.update_application(
        renovation=renovation,
        actor=frontdesk,
        scope_items=[regular_item, non_regular_item],
        planned_end=date(2026, 5, 15),
        now=at(2026, 2, 11),
    )
    renovation.refresh_from_db()
    assert not renovation.is_regular
    assert renovation.planned_end == date(2026, 5, 15)
    note = renovation.events.get(action="update").note
    assert "2026-04-30 → 2026-05-15" in note and "拆改墙体" in note


def test_update_refused_once_under_review(unit_a, owner, frontdesk, rules, regular_item):
    renovation = register(unit_a, owner, frontdesk, [regular_item])
    services.send_for_review(renovation=renovation, actor=frontdesk)
    with pytest.raises(DomainError) as caught:
        services.update_application(renovation=renovation, actor=frontdesk, planned_end=date(2026, 5, 1))
    assert caught.value.code == "not_editable"
    renovation.refresh_from_db()
    assert renovation.planned_end == date(2026, 4, 30)


def test_update_refuses_an_end_before_the_start(unit_a, owner, frontdesk, rules, regular_item):
    renovation = register(unit_a, owner, frontdesk, [regular_item])
    with pytest.raises(DomainError):
        services.update_application(renovation=renovation, actor=frontdesk, planned_end=date(2026, 3, 1))
    renovation.refresh_from_db()
    assert renovation.planned_end == date(2026, 4, 30)


def test_documents_are_checked_and_stored(unit_a, owner, frontdesk, housekeeper, rules, regular_item):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.renovations.helpers import pdf

    renovation = register(unit_a, owner, frontdesk, [regular_item], documents=[("plan", pdf("平面图.pdf"))])
    assert list(renovation.documents.values_list("kind", "original_name")) == [("plan", "平面图.pdf")]
    with pytest.raises(DomainError) as caught:
        services.add_document(
            renovation=renovation,
            actor=frontdesk,
            kind="photo",
            file=SimpleUploadedFile("x.jpg", b"<html>not a photo</html>", content_type="image/jpeg"),
        )
    assert caught.value.code == "invalid_upload"
    with pytest.raises(PermissionDenied):
        services.add_document(renovation=renovation, actor=housekeeper, kind="plan", file=pdf())
    assert renovation.documents.count() == 1
