"""The renovation configuration an estate starts with (renovations.defaults)."""

from datetime import date
from decimal import Decimal
from importlib import import_module

import pytest
from django.apps import apps as global_apps

from renovations.defaults import DEFAULT_PUBLIC_HOLIDAYS, DEFAULT_SCOPE_ITEMS, ensure_renovation_defaults
from renovations.models import PublicHoliday, RenovationRules, ScopeItem
from renovations.selectors import rules_for
from tests.factories import EstateFactory

NON_REGULAR = {"水电改造", "燃气管道改动", "电路改造", "拆改非承重墙", "门窗更换/封阳台", "卫生间/厨房防水"}


@pytest.mark.django_db
def test_a_new_estate_gets_the_default_scope_items_classified():
    estate = EstateFactory()
    items = {item.name: item for item in ScopeItem.objects.filter(estate=estate)}
    assert set(items) == {item.name for item in DEFAULT_SCOPE_ITEMS}
    assert {name for name, item in items.items() if not item.is_regular} == NON_REGULAR
    assert items["燃气管道改动"].area == ScopeItem.Area.PLUMBING_GAS
    assert items["拆改非承重墙"].area == ScopeItem.Area.STRUCTURE
    assert items["卫生间/厨房防水"].area == ScopeItem.Area.WATERPROOFING
    assert items["空调安装"].is_regular


@pytest.mark.django_db
def test_ensure_defaults_twice_adds_nothing_the_second_time():
    estate = EstateFactory()
    ensure_renovation_defaults(estate)
    counts = (
        ScopeItem.objects.filter(estate=estate).count(),
        RenovationRules.objects.filter(estate=estate).count(),
        PublicHoliday.objects.count(),
    )
    ensure_renovation_defaults(estate)
    assert counts == (
        ScopeItem.objects.filter(estate=estate).count(),
        RenovationRules.objects.filter(estate=estate).count(),
        PublicHoliday.objects.count(),
    )
    assert counts[:2] == (len(DEFAULT_SCOPE_ITEMS), 1)


@pytest.mark.django_db
def test_ensure_defaults_leaves_the_managers_changes_alone():
    estate = EstateFactory()
    ScopeItem.objects.filter(estate=estate, name="吊顶").update(is_active=False)
    ScopeItem.objects.filter(estate=estate, name="空调安装").update(is_regular=False)
    RenovationRules.objects.create(estate=estate, deposit_amount=Decimal("5000.00"), weekend_hours="")

    ensure_renovation_defaults(estate)

    assert not ScopeItem.objects.get(estate=estate, name="吊顶").is_active
    assert not ScopeItem.objects.get(estate=estate, name="空调安装").is_regular
    rules = rules_for(estate)
    assert (rules.deposit_amount, rules.weekend_hours) == (Decimal("5000.00"), "")


@pytest.mark.django_db
def test_default_rules_match_the_rules_in_force_without_a_row():
    estate = EstateFactory()
    fallback = rules_for(estate)
    assert fallback.pk is None
    ensure_renovation_defaults(estate)
    saved = rules_for(estate)
    assert saved.pk is not None
    for field in ("weekday_hours", "weekend_hours", "deposit_amount", "rubbish_fee", "pass_card_fee"):
        assert getattr(saved, field) == getattr(fallback, field), field
    assert "承重墙" in saved.rules_text


@pytest.mark.django_db
def test_the_migration_seeded_the_public_holidays_for_every_estate():
    shared = dict(PublicHoliday.objects.filter(estate__isnull=True).values_list("date", "name"))
    assert shared[date(2026, 10, 7)] == "国庆节"
    assert shared[date(2026, 2, 15)] == "春节"
    assert shared[date(2027, 2, 8)] == "春节"
    assert date(2026, 2, 14) not in shared  # a swapped working Saturday (调休上班)
    assert len([day for day in shared if day.year == 2026]) == 33


def test_default_holidays_are_listed_once_each():
    days = [day for day, _name in DEFAULT_PUBLIC_HOLIDAYS]
    assert len(days) == len(set(days))


@pytest.mark.django_db
def test_the_data_migration_gives_existing_estates_their_defaults():
    estate = EstateFactory()
    ScopeItem.objects.filter(estate=estate).delete()
    PublicHoliday.objects.all().delete()

    migration = import_module("renovations.migrations.0002_reno_admin_defaults")
    migration.apply_defaults(global_apps, None)
    migration.apply_defaults(global_apps, None)

    assert ScopeItem.objects.filter(estate=estate).count() == len(DEFAULT_SCOPE_ITEMS)
    assert RenovationRules.objects.filter(estate=estate).count() == 1
    assert PublicHoliday.objects.count() == len(DEFAULT_PUBLIC_HOLIDAYS)
