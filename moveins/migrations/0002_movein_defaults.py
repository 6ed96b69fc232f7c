"""Give the estates that existed before move-ins their default checklist and charges
(moveins.defaults)."""

from django.db import migrations


def apply_defaults(apps, schema_editor):
    from moveins.defaults import apply_default_charges, apply_default_checklist

    estate_model = apps.get_model("residents", "Estate")
    template_model = apps.get_model("moveins", "ChecklistItemTemplate")
    rule_model = apps.get_model("moveins", "ChargeRule")
    for estate_id in estate_model.objects.values_list("pk", flat=True):
        apply_default_checklist(estate_id=estate_id, template_model=template_model)
        apply_default_charges(estate_id=estate_id, rule_model=rule_model)


class Migration(migrations.Migration):
    dependencies = [
        ("moveins", "0001_move_ins"),
    ]

    operations = [migrations.RunPython(apply_defaults, migrations.RunPython.noop)]
