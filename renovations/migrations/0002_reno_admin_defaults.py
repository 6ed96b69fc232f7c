"""Give the estates that existed before renovations their default scope items and rules, and add
the public holidays shared by every estate (renovations.defaults)."""

from django.db import migrations


def apply_defaults(apps, schema_editor):
    from renovations.defaults import apply_default_holidays, apply_default_rules, apply_default_scope_items

    estate_model = apps.get_model("residents", "Estate")
    scope_item_model = apps.get_model("renovations", "ScopeItem")
    rules_model = apps.get_model("renovations", "RenovationRules")
    for estate_id in estate_model.objects.values_list("pk", flat=True):
        apply_default_scope_items(estate_id=estate_id, scope_item_model=scope_item_model)
        apply_default_rules(estate_id=estate_id, rules_model=rules_model)
    apply_default_holidays(holiday_model=apps.get_model("renovations", "PublicHoliday"))


class Migration(migrations.Migration):
    dependencies = [
        ("renovations", "0001_initial"),
    ]

    operations = [migrations.RunPython(apply_defaults, migrations.RunPython.noop)]
