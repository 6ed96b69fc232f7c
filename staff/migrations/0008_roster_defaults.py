"""Give the estates that existed before rosters the default shift types and reception hours
(staff.defaults)."""

from django.db import migrations


def apply_defaults(apps, schema_editor):
    from staff.defaults import apply_default_reception_hours, apply_default_shift_types

    estate_model = apps.get_model("residents", "Estate")
    shift_type_model = apps.get_model("staff", "ShiftType")
    reception_hours_model = apps.get_model("staff", "ReceptionHours")
    for estate_id in estate_model.objects.values_list("pk", flat=True):
        apply_default_shift_types(estate_id=estate_id, shift_type_model=shift_type_model)
        apply_default_reception_hours(estate_id=estate_id, reception_hours_model=reception_hours_model)


class Migration(migrations.Migration):
    dependencies = [
        ("staff", "0007_rosters"),
    ]

    operations = [migrations.RunPython(apply_defaults, migrations.RunPython.noop)]
