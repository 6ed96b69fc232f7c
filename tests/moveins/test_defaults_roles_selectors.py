"""The defaults every estate starts with, the role permissions, and the reads."""

from decimal import Decimal

import pytest
from django.http import Http404

from moveins.defaults import DEFAULT_CHECKLIST, apply_default_charges, apply_default_checklist
from moveins.models import ChargeRule, ChecklistItemTemplate, MoveIn
from moveins.selectors import move_in_for_page, move_ins_for_list
from staff.roles import collect_role_permissions
from tests.factories import EstateFactory, UnitFactory, make_resident
from tests.moveins.factories import MoveInFactory

pytestmark = pytest.mark.django_db


def test_a_new_estate_gets_the_checklist_and_the_charges():
    estate = EstateFactory(code="NEW1")
    lines = list(ChecklistItemTemplate.objects.filter(estate=estate))
    assert [line.name for line in lines] == [item.name for item in DEFAULT_CHECKLIST]
    assert [line.name for line in lines if line.is_id_check] == ["业主身份证"]
    assert {line.name for line in lines if line.needs_signed_copy} == {"业主临时管理规约", "住宅装修管理协议"}
    assert [line.name for line in lines if not line.is_required] == ["委托代办事项"]
    rules = {rule.kind: rule for rule in ChargeRule.objects.filter(estate=estate)}
    assert rules["service_months"].months == 3
    assert (rules["deposit"].name, rules["deposit"].amount) == ("钥匙押金", Decimal("200.00"))


def test_the_defaults_leave_the_managers_changes_alone():
    estate = EstateFactory(code="NEW2")
    ChecklistItemTemplate.objects.filter(estate=estate, name="业主手册").update(is_active=False)
    ChargeRule.objects.filter(estate=estate, kind="deposit").delete()
    assert apply_default_checklist(estate_id=estate.pk, template_model=ChecklistItemTemplate) == 0
    assert apply_default_charges(estate_id=estate.pk, rule_model=ChargeRule) == 0
    assert not ChecklistItemTemplate.objects.get(estate=estate, name="业主手册").is_active
    assert not ChargeRule.objects.filter(estate=estate, kind="deposit").exists()
    ChecklistItemTemplate.objects.filter(estate=estate, name="防火责任书").delete()
    assert apply_default_checklist(estate_id=estate.pk, template_model=ChecklistItemTemplate) == 1


def test_role_permissions():
    perms = collect_role_permissions()
    desk = {"moveins.handle_movein", "moveins.inspect_movein", "moveins.hand_over_keys"}
    assert desk <= perms["frontdesk"]
    assert "moveins.waive_movein_fees" not in perms["frontdesk"]
    assert "moveins.inspect_movein" in perms["engineer"] and "moveins.hand_over_keys" not in perms["engineer"]
    assert {
        "moveins.waive_movein_fees",
        "moveins.cancel_movein",
        "moveins.manage_movein_batches",
        "moveins.spot_check_movein",
        "moveins.view_warranty_report",
        "moveins.change_chargerule",
        "moveins.change_checklistitemtemplate",
    } <= perms["manager"]
    assert "moveins.view_movein" in perms["clerk"] and "billing.manage_deposits" in perms["clerk"]
    assert not {p for p in perms["resident"] if p.startswith("moveins.")}


def test_groups_hold_the_permissions(users):
    assert users["frontdesk"].has_perm("moveins.hand_over_keys")
    assert not users["frontdesk"].has_perm("moveins.cancel_movein")
    assert users["manager"].has_perm("moveins.cancel_movein")


def test_list_is_scoped_and_free_of_n_plus_one(
    users, estate_a, unit_a, unit_b, django_assert_max_num_queries
):
    for number in range(5):
        MoveInFactory(
            unit=UnitFactory(building=unit_a.building, number=f"50{number}"), status=MoveIn.Status.DOCUMENTS
        )
    other = MoveInFactory(unit=unit_b)
    with django_assert_max_num_queries(4):
        rows = [
            (m.number, m.unit.code, m.unit.building.name, m.owner.name, m.estate.name)
            for m in move_ins_for_list(user=users["frontdesk"])
        ]
    assert len(rows) == 5 and other.number not in {row[0] for row in rows}
    with pytest.raises(Http404):
        move_in_for_page(user=users["frontdesk"], pk=other.pk)


def test_a_resident_sees_only_their_units_move_in(estate_a, unit_a, unit_a2):
    mine = MoveInFactory(unit=unit_a)
    theirs = MoveInFactory(unit=unit_a2)
    resident = make_resident(unit_a, username="owner-a")
    assert list(move_ins_for_list(user=resident)) == [mine]
    assert move_in_for_page(user=resident, pk=mine.pk) == mine
    with pytest.raises(Http404):
        move_in_for_page(user=resident, pk=theirs.pk)
