"""The owner is the payer: name the current owner (else the earliest co-owner) payer of every
unit with current occupants, and let every owner and co-owner see the bills (issue #8)."""

import datetime

from django.db import migrations
from django.db.models import Q
from django.utils import timezone

BILL_ROLES = ("owner", "co_owner")


def name_default_payers(apps, schema_editor):
    Occupancy = apps.get_model("residents", "Occupancy")
    today = timezone.localdate()
    Occupancy.objects.filter(role__in=BILL_ROLES).update(sees_bills=True)
    current = (
        Occupancy.objects.filter(Q(start_date__lte=today) | Q(start_date__isnull=True))
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=today))
        .filter(role__in=BILL_ROLES)
        .order_by("unit_id")
    )
    chosen: dict[int, tuple] = {}
    for pk, unit_id, role, start_date in current.values_list("pk", "unit_id", "role", "start_date").iterator():
        key = (BILL_ROLES.index(role), start_date or datetime.date.min, pk)
        if unit_id not in chosen or key < chosen[unit_id]:
            chosen[unit_id] = key
    payer_ids = [key[2] for key in chosen.values()]
    for start in range(0, len(payer_ids), 2000):
        Occupancy.objects.filter(pk__in=payer_ids[start : start + 2000]).update(is_payer=True)


class Migration(migrations.Migration):
    dependencies = [("residents", "0007_household_payer_and_bill_visibility")]

    operations = [migrations.RunPython(name_default_payers, migrations.RunPython.noop)]
