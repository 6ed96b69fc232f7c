"""Admin: the manager configures scope items, rules and holidays for their own estates; renovation
records are read-only and scoped; workers' numbers are masked."""

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from renovations.models import Deduction, PublicHoliday, RenovationRules, ScopeItem
from tests.renovations.factories import (
    PatrolFactory,
    RenovationFactory,
    RenovationWorkerFactory,
    ViolationFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_manager(users):
    user = users["manager"]
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    return user


def _rules_form(estate, **overrides):
    data = {
        "estate": estate.pk,
        "weekday_hours": "08:00-12:00,14:00-18:00",
        "weekend_hours": "09:00-12:00",
        "deposit_amount": "3000.00",
        "rubbish_fee": "500.00",
        "pass_card_fee": "10.00",
        "max_duration_days": "180",
        "second_inspection_days": "90",
        "rules_text": "",
    }
    data.update(overrides)
    return data


@pytest.mark.parametrize(
    ("hours", "message"),
    [
        ("8点到12点", "is not a period of time"),
        ("08:00-12:00,25:00-26:00", "is not a period of time"),
        ("12:00-08:00", "ends before it starts"),
        ("08:00-12:00,11:00-18:00", "must not overlap"),
        ("08:00-12:00，，14:00-18:00", "is not a period of time"),
    ],
)
def test_rules_admin_refuses_badly_written_hours(client_as, admin_manager, estate_a, hours, message):
    response = client_as(admin_manager).post(
        reverse("admin:renovations_renovationrules_add"), _rules_form(estate_a, weekday_hours=hours)
    )
    assert response.status_code == 200
    assert message in str(response.context["adminform"].form.errors["weekday_hours"])
    assert not RenovationRules.objects.filter(estate=estate_a).exists()


def test_rules_admin_stores_hours_typed_with_a_chinese_input_method_in_one_form(
    client_as, admin_manager, estate_a
):
    response = client_as(admin_manager).post(
        reverse("admin:renovations_renovationrules_add"),
        _rules_form(estate_a, weekday_hours="8：00－12：00， 14:00-18:00", weekend_hours=""),
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    rules = RenovationRules.objects.get(estate=estate_a)
    assert (rules.weekday_hours, rules.weekend_hours) == ("08:00-12:00,14:00-18:00", "")


def test_rules_admin_offers_only_the_managers_estates(client_as, admin_manager, estate_a, estate_b):
    client = client_as(admin_manager)
    form = client.get(reverse("admin:renovations_renovationrules_add")).context["adminform"].form
    assert list(form.fields["estate"].queryset) == [estate_a]
    refused = client.post(reverse("admin:renovations_renovationrules_add"), _rules_form(estate_b))
    assert refused.status_code == 200
    assert not RenovationRules.objects.filter(estate=estate_b).exists()


def test_scope_items_are_scoped_and_never_deleted(client_as, admin_manager, estate_a, estate_b):
    mine = ScopeItem.objects.get(estate=estate_a, name="拆改非承重墙")
    other = ScopeItem.objects.get(estate=estate_b, name="拆改非承重墙")
    client = client_as(admin_manager)
    assert client.get(reverse("admin:renovations_scopeitem_change", args=[mine.pk])).status_code == 200
    assert client.get(reverse("admin:renovations_scopeitem_change", args=[other.pk])).status_code == 302
    assert client.post(reverse("admin:renovations_scopeitem_delete", args=[mine.pk])).status_code == 403
    response = client.post(
        reverse("admin:renovations_scopeitem_add"),
        {
            "estate": estate_a.pk,
            "name": "阳台改造",
            "area": "facade_windows",
            "is_regular": "",
            "description": "",
            "is_active": "on",
            "sort_order": "200",
        },
    )
    assert response.status_code == 302
    assert not ScopeItem.objects.get(estate=estate_a, name="阳台改造").is_regular


def test_head_office_holidays_are_read_only_for_a_manager(client_as, admin_manager, estate_a):
    national_day = PublicHoliday.objects.get(estate__isnull=True, date=date(2026, 10, 1))
    client = client_as(admin_manager)
    page = client.get(reverse("admin:renovations_publicholiday_change", args=[national_day.pk]))
    assert page.status_code == 200 and 'name="_save"' not in page.content.decode()
    delete = reverse("admin:renovations_publicholiday_delete", args=[national_day.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    changelist = client.get(reverse("admin:renovations_publicholiday_changelist"))
    action_form = changelist.context["action_form"]  # None when no action is left
    assert action_form is None or "delete_selected" not in dict(action_form.fields["action"].choices)
    assert PublicHoliday.objects.filter(pk=national_day.pk).exists()


def test_a_manager_adds_an_estate_holiday_but_not_one_that_exists(client_as, admin_manager, estate_a):
    client = client_as(admin_manager)
    url = reverse("admin:renovations_publicholiday_add")
    form = client.get(url).context["adminform"].form
    assert form.fields["estate"].required
    clash = client.post(url, {"date": "2026-10-02", "name": "国庆", "estate": estate_a.pk})
    assert clash.status_code == 200
    assert "already a public holiday" in str(clash.context["adminform"].form.errors)
    added = client.post(url, {"date": "2026-06-07", "name": "高考", "estate": estate_a.pk})
    assert added.status_code == 302
    assert PublicHoliday.objects.filter(estate=estate_a, date=date(2026, 6, 7)).exists()
    listed = client.get(reverse("admin:renovations_publicholiday_changelist") + "?q=高考").content.decode()
    assert "高考" in listed


def test_renovation_admin_is_read_only_scoped_and_masks_workers(client_as, admin_manager, unit_a, unit_b):
    mine = RenovationFactory(unit=unit_a)
    other = RenovationFactory(unit=unit_b)
    worker = RenovationWorkerFactory(renovation=mine, mobile="13712345678")
    client = client_as(admin_manager)
    listed = client.get(reverse("admin:renovations_renovation_changelist")).content.decode()
    assert mine.number in listed and other.number not in listed
    assert client.get(reverse("admin:renovations_renovation_change", args=[other.pk])).status_code == 302
    page = client.get(reverse("admin:renovations_renovation_change", args=[mine.pk])).content.decode()
    assert 'name="_save"' not in page
    assert worker.name in page and worker.mobile_masked in page
    assert "13712345678" not in page and worker.id_number_masked in page
    assert client.get(reverse("admin:renovations_renovation_add")).status_code == 403


def test_worker_lookups_on_the_phone_are_refused(client_as, admin_manager, unit_a):
    RenovationWorkerFactory(renovation=RenovationFactory(unit=unit_a), mobile="13712345678")
    url = reverse("admin:renovations_renovation_changelist") + "?workers__mobile__startswith=137"
    assert client_as(admin_manager).get(url).status_code in (302, 400)


@pytest.mark.parametrize("model", ["patrol", "violation", "deduction"])
def test_patrols_violations_and_deductions_are_read_only_and_scoped(
    client_as, admin_manager, unit_a, unit_b, model
):
    def deduction(renovation):
        return Deduction.objects.create(
            renovation=renovation,
            amount=Decimal("200.00"),
            reason="公共区域堆放垃圾",
            proposed_by=admin_manager,
        )

    make = {"patrol": PatrolFactory, "violation": ViolationFactory, "deduction": deduction}[model]
    mine = make(renovation=RenovationFactory(unit=unit_a))
    other = make(renovation=RenovationFactory(unit=unit_b))
    client = client_as(admin_manager)
    assert client.get(reverse(f"admin:renovations_{model}_add")).status_code == 403
    page = client.get(reverse(f"admin:renovations_{model}_change", args=[mine.pk]))
    assert page.status_code == 200 and 'name="_save"' not in page.content.decode()
    assert client.get(reverse(f"admin:renovations_{model}_change", args=[other.pk])).status_code == 302


def test_renovation_changelist_query_count(client_as, admin_manager, unit_a, django_assert_max_num_queries):
    for _ in range(5):
        RenovationFactory(unit=unit_a)
    client = client_as(admin_manager)
    client.get(reverse("admin:renovations_renovation_changelist"))
    with django_assert_max_num_queries(12):
        response = client.get(reverse("admin:renovations_renovation_changelist"))
    assert response.status_code == 200
