"""Admin: the manager configures the checklist and the charges of their own estates; move-ins are
read-only and scoped."""

import pytest
from django.urls import reverse

from moveins.models import ChargeRule, ChecklistItemTemplate
from tests.moveins.factories import MoveInFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_manager(users):
    user = users["manager"]
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    return user


def _rule(estate, **overrides):
    data = {
        "estate": estate.pk,
        "kind": "fee",
        "name": "门禁卡工本费",
        "amount": "20.00",
        "months": "0",
        "is_active": "on",
        "sort_order": "50",
    }
    data.update(overrides)
    return data


def test_manager_adds_a_charge(client_as, admin_manager, estate_a):
    response = client_as(admin_manager).post(reverse("admin:moveins_chargerule_add"), _rule(estate_a))
    assert response.status_code == 302
    assert ChargeRule.objects.get(estate=estate_a, name="门禁卡工本费").amount == 20


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"kind": "service_months", "months": "0"}, "months"),
        ({"amount": "0"}, "amount"),
        ({"kind": "deposit", "amount": "0"}, "amount"),
    ],
)
def test_charge_form_refuses_an_empty_charge(client_as, admin_manager, estate_a, overrides, field):
    response = client_as(admin_manager).post(
        reverse("admin:moveins_chargerule_add"), _rule(estate_a, **overrides)
    )
    assert response.status_code == 200
    assert field in response.context["adminform"].form.errors
    assert not ChargeRule.objects.filter(name="门禁卡工本费").exists()


def test_manager_edits_a_checklist_line_of_their_estate_only(client_as, admin_manager, estate_a, estate_b):
    client = client_as(admin_manager)
    line = ChecklistItemTemplate.objects.get(estate=estate_a, name="业主手册")
    response = client.post(
        reverse("admin:moveins_checklistitemtemplate_change", args=[line.pk]),
        {
            "estate": estate_a.pk,
            "section": line.section,
            "name": "业主手册（2026版）",
            "is_required": "on",
            "sort_order": "60",
        },
    )
    assert response.status_code == 302
    line.refresh_from_db()
    assert (line.name, line.is_active) == ("业主手册（2026版）", False)
    foreign = ChecklistItemTemplate.objects.filter(estate=estate_b).first()
    response = client.get(reverse("admin:moveins_checklistitemtemplate_change", args=[foreign.pk]))
    assert response.status_code == 302  # "not found": back to the admin index
    assert (
        client.post(reverse("admin:moveins_checklistitemtemplate_delete", args=[line.pk])).status_code == 403
    )


def test_move_ins_are_read_only_and_scoped(client_as, admin_manager, unit_a, unit_b):
    mine, theirs = MoveInFactory(unit=unit_a), MoveInFactory(unit=unit_b)
    client = client_as(admin_manager)
    listing = client.get(reverse("admin:moveins_movein_changelist"))
    assert mine.number in listing.content.decode() and theirs.number not in listing.content.decode()
    page = client.get(reverse("admin:moveins_movein_change", args=[mine.pk]))
    assert page.status_code == 200 and not page.context["has_change_permission"]
    assert client.get(reverse("admin:moveins_movein_add")).status_code == 403
