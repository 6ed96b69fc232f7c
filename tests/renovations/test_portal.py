"""Renovation in the resident portal (#14): an owner applies for their unit through the same
service as the desk (once per idempotency key), follows the status and timeline, sees the permit,
the worker passes and the rules; the deposit link appears only while the deposit is due."""

from datetime import date
from decimal import Decimal

import pytest
from django.urls import NoReverseMatch, reverse

from renovations.models import Renovation, RenovationCharge, RenovationDocument, RenovationEvent
from tests.factories import make_resident
from tests.renovations.conftest import worker
from tests.renovations.factories import RenovationFactory, RenovationWorkerFactory
from tests.renovations.helpers import pdf

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path)},
        },
    }


def _post(item, key="k-1", **overrides):
    w = worker(1)
    data = {
        "unit": item.estate.units.order_by("pk").first().pk,
        "idempotency_key": key,
        "contractor_company": "深圳市安居装饰工程有限公司",
        "contractor_licence": "91440300MA5XXXXX1A",
        "contractor_contact": "李工",
        "contractor_phone": "13912345678",
        "scope_items": [item.pk],
        "planned_start": "2026-03-02",
        "planned_end": "2026-04-30",
        "description": "厨卫翻新",
        "workers-TOTAL_FORMS": "1",
        "workers-INITIAL_FORMS": "0",
        "workers-0-name": w["name"],
        "workers-0-mobile": w["mobile"],
        "workers-0-id_number": w["id_number"],
        "workers-0-trade": w["trade"],
        "plans": pdf("平面图.pdf"),
    }
    data.update(overrides)
    return data


def test_an_owner_applies_with_a_plan_and_sees_it_submitted(client, resident, unit_a, regular_item, rules):
    client.force_login(resident)
    assert client.get(reverse("portal:renovation_apply")).status_code == 200
    response = client.post(reverse("portal:renovation_apply"), _post(regular_item))
    renovation = Renovation.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "portal:renovation", args=[renovation.pk]
    )
    assert (
        renovation.unit == unit_a and renovation.owner.user == resident and renovation.created_by == resident
    )
    assert renovation.status == Renovation.Status.SUBMITTED
    assert renovation.workers.count() == 1
    assert renovation.documents.get().kind == RenovationDocument.Kind.PLAN
    assert RenovationEvent.objects.filter(renovation=renovation, action="register").exists()
    page = client.get(reverse("portal:renovation", args=[renovation.pk])).content.decode()
    assert renovation.number in page and "平面图.pdf" in page
    assert renovation.number in client.get(reverse("portal:renovations")).content.decode()
    assert (
        reverse("portal:renovation", args=[renovation.pk])
        in client.get(reverse("portal:home")).content.decode()
    )


def test_a_resent_application_registers_once(client, resident, regular_item, rules):
    client.force_login(resident)
    client.post(reverse("portal:renovation_apply"), _post(regular_item, key="same"))
    client.post(reverse("portal:renovation_apply"), _post(regular_item, key="same"))
    assert Renovation.objects.count() == 1


def test_an_end_before_the_start_is_refused(client, resident, regular_item, rules):
    client.force_login(resident)
    response = client.post(
        reverse("portal:renovation_apply"),
        _post(regular_item, planned_start="2026-05-01", planned_end="2026-04-01"),
    )
    assert response.status_code == 400 and not Renovation.objects.exists()
    assert "before the planned start" in response.content.decode()


def test_a_tenant_cannot_apply(client, unit_a, regular_item):
    tenant = make_resident(unit_a, username="tenant", role="tenant")
    client.force_login(tenant)
    assert client.get(reverse("portal:renovation_apply")).status_code == 404
    assert client.post(reverse("portal:renovation_apply"), _post(regular_item)).status_code == 404
    assert not Renovation.objects.exists()


def test_another_units_renovation_is_404(client, resident, resident2, unit_a2):
    other = RenovationFactory(unit=unit_a2)
    client.force_login(resident)
    assert client.get(reverse("portal:renovation", args=[other.pk])).status_code == 404
    assert other.number not in client.get(reverse("portal:renovations")).content.decode()


def test_the_deposit_due_says_pay_at_the_desk_unless_online_payment_exists(client, resident, unit_a, rules):
    renovation = RenovationFactory(unit=unit_a, status=Renovation.Status.APPROVED)
    RenovationCharge.objects.create(
        renovation=renovation, kind=RenovationCharge.Kind.DEPOSIT, amount=Decimal("3000.00")
    )
    client.force_login(resident)
    page = client.get(reverse("portal:renovation", args=[renovation.pk]))
    assert page.context["deposit_due"]
    try:
        pay_url = reverse("portal:renovation_deposit_pay", args=[renovation.pk])
    except NoReverseMatch:
        assert 'data-testid="pay-at-desk"' in page.content.decode()
    else:
        assert pay_url in page.content.decode()


def test_the_permit_passes_and_rules_show(client, resident, unit_a, rules, django_assert_max_num_queries):
    renovation = RenovationFactory(
        unit=unit_a, status=Renovation.Status.PERMITTED, working_hours="08:00-12:00"
    )
    Renovation.objects.filter(pk=renovation.pk).update(permitted_at=renovation.created_at)
    for n in range(4):
        RenovationWorkerFactory(renovation=renovation, name=f"师傅{n}")
    client.force_login(resident)
    with django_assert_max_num_queries(25):
        page = client.get(reverse("portal:renovation", args=[renovation.pk]))
    body = page.content.decode()
    assert 'data-testid="permit"' in body and "08:00-12:00" in body and "师傅3" in body
    assert 'data-testid="renovation-rules"' in body
    assert str(date(2026, 4, 30)) in body
