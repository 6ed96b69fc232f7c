"""`seed_demo` builds the demo and is idempotent: a second run adds nothing."""

from io import StringIO

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.management import call_command

from renovations.models import Renovation
from residents.models import Estate, Occupancy, Unit
from servicecenter.scoping import access_for, forget_access


def _row_counts() -> dict[str, int]:
    return {
        model._meta.label: model.objects.count()
        for model in apps.get_models()
        if model._meta.app_label in {"residents", "staff", "tickets", "billing", "renovations"}
    }


@pytest.mark.django_db(transaction=True)
def test_seed_demo_builds_the_demo_and_a_second_run_adds_nothing():
    out = StringIO()
    call_command("seed_demo", "--password", "pw-demo-123", stdout=out)
    first = _row_counts()
    call_command("seed_demo", "--password", "pw-demo-123", stdout=StringIO())
    assert _row_counts() == first

    assert Estate.objects.count() >= 2
    assert Unit.objects.count() >= 300
    User = get_user_model()
    for username in [
        "manager",
        "supervisor",
        "frontdesk",
        "clerk",
        "housekeeper",
        "technician",
        "engineer",
        "company",
        "resident",
        "resident2",
    ]:
        user = User.objects.get(username=username)
        assert user.check_password("pw-demo-123")
        assert f" {username}" in out.getvalue()
    first_estate = Estate.objects.get(code="LJY")
    for username in ["manager", "frontdesk", "technician"]:
        user = User.objects.get(username=username)
        forget_access(user)
        assert access_for(user).estate_ids == frozenset({first_estate.pk})
    assert access_for(User.objects.get(username="company")).all_estates

    resident_units = {
        name: set(
            Occupancy.objects.current().filter(person__user__username=name).values_list("unit_id", flat=True)
        )
        for name in ("resident", "resident2")
    }
    assert resident_units["resident"] and resident_units["resident2"]
    assert not resident_units["resident"] & resident_units["resident2"]
    assert (
        Unit.objects.filter(
            pk__in=resident_units["resident"] | resident_units["resident2"], estate=first_estate
        ).count()
        == 2
    )

    statuses = set(Renovation.objects.filter(estate=first_estate).values_list("status", flat=True))
    assert statuses == set(Renovation.Status.values)
    engineer = User.objects.get(username="engineer")
    assert engineer.has_perm("renovations.review_renovation_engineering")
    forget_access(engineer)
    assert access_for(engineer).estate_ids == frozenset({first_estate.pk})

    # Issue #14: a household member without the bills in `resident`'s unit, and a tenant named
    # payer of another unit; both log in with the demo password.
    for username in ("household", "tenant"):
        assert User.objects.get(username=username).check_password("pw-demo-123")
        assert f" {username}" in out.getvalue()
    member = Occupancy.objects.current().get(person__user__username="household")
    assert member.unit_id in resident_units["resident"]
    assert (member.role, member.sees_bills, member.is_payer) == ("household_member", False, False)
    tenant = Occupancy.objects.current().get(person__user__username="tenant")
    assert tenant.role == "tenant" and tenant.is_payer
    assert tenant.unit_id not in resident_units["resident"] | resident_units["resident2"]
