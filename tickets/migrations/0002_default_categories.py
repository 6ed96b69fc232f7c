"""Seed the default ticket categories with their team kind, priority, SLA targets and callback
rule, and the company-wide ticket policy. The data is frozen here on purpose: later edits to
tickets/defaults.py must not change what this migration did."""

from django.db import migrations

SLA = {"emergency": (30, 240), "urgent": (120, 1440), "normal": (480, 4320), "low": (1440, 10080)}
FAST_EMERGENCY = {"emergency": (15, 120)}

CATEGORIES = [
    ("plumbing", "Plumbing", "maintenance", "normal", False, {}),
    ("electrical", "Electrical", "maintenance", "normal", False, {}),
    ("water_leak", "Water leak", "maintenance", "urgent", True, FAST_EMERGENCY),
    ("safety_facility", "Safety facility", "maintenance", "urgent", True, FAST_EMERGENCY),
    ("elevator", "Elevator", "maintenance", "urgent", False, FAST_EMERGENCY),
    ("doors_locks", "Doors and locks", "maintenance", "normal", False, {}),
    ("public_cleaning", "Public cleaning", "cleaning", "normal", False, {"normal": (240, 1440)}),
    ("security", "Security", "security", "urgent", False, {}),
    ("landscaping", "Landscaping", "landscaping", "low", False, {}),
    ("noise", "Noise", "security", "normal", False, {"normal": (120, 1440)}),
    ("parking", "Parking", "security", "normal", False, {}),
    ("neighbour_dispute", "Neighbour dispute", "customer_service", "normal", False, {"normal": (1440, 10080)}),
    ("fees", "Fees", "customer_service", "normal", False, {}),
    ("renovation", "Renovation", "customer_service", "normal", False, {}),
    ("other", "Other", "customer_service", "normal", False, {}),
]


def seed(apps, schema_editor):
    TicketCategory = apps.get_model("tickets", "TicketCategory")
    SlaTarget = apps.get_model("tickets", "SlaTarget")
    TicketPolicy = apps.get_model("tickets", "TicketPolicy")
    for order, (code, name, team_kind, priority, mandatory, overrides) in enumerate(CATEGORIES, start=1):
        category, created = TicketCategory.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "team_kind": team_kind,
                "default_priority": priority,
                "is_callback_mandatory": mandatory,
                "sort_order": order * 10,
            },
        )
        if not created:
            continue
        for level, (response, resolution) in {**SLA, **overrides}.items():
            SlaTarget.objects.create(
                category=category, priority=level, response_minutes=response, resolution_minutes=resolution
            )
    if not TicketPolicy.objects.filter(estate__isnull=True).exists():
        TicketPolicy.objects.create(estate=None)


class Migration(migrations.Migration):
    dependencies = [("tickets", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
