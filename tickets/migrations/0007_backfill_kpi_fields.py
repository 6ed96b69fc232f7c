"""Seed the complaint root causes; backfill what the KPIs now read.

- `first_resolved_at` / `first_resolution_due_at`: the first `status → resolved` event. For a
  ticket never reopened the deadline then in force is today's `resolution_due_at`; for a reopened
  one the original promise was overwritten, so it is rebuilt as registration + allowed minutes +
  the minutes spent on hold (all rounds: the best the stored data can say).
- `first_replied_at` for complaints: the first staff comment the resident could see (a portal
  message), the only earlier record of a reply that reached them.
- Free-text public-area locations become rows of `PublicLocation`, one per estate and name.
The data is frozen here on purpose: later edits to tickets/defaults.py must not change it.
"""

from datetime import timedelta

from django.db import migrations
from django.db.models import Min

ROOT_CAUSES = [
    ("workmanship", "Workmanship"),
    ("materials", "Materials"),
    ("staff_attitude", "Staff attitude"),
    ("response_time", "Response time"),
    ("design_defect", "Design or developer defect"),
    ("third_party", "Third party"),
    ("other", "Other"),
]


def seed_root_causes(apps, schema_editor):
    RootCause = apps.get_model("tickets", "RootCause")
    for order, (code, name) in enumerate(ROOT_CAUSES, start=1):
        RootCause.objects.get_or_create(code=code, defaults={"name": name, "sort_order": order})


def backfill(apps, schema_editor):
    Ticket = apps.get_model("tickets", "Ticket")
    TicketEvent = apps.get_model("tickets", "TicketEvent")
    PublicLocation = apps.get_model("tickets", "PublicLocation")

    first_resolutions = (
        TicketEvent.objects.filter(kind="status", to_status="resolved")
        .values("ticket_id")
        .annotate(at=Min("created_at"))
    )
    resolved_at = {row["ticket_id"]: row["at"] for row in first_resolutions.iterator()}
    for ticket in Ticket.objects.filter(pk__in=list(resolved_at)).only(
        "pk", "created_at", "resolution_minutes", "on_hold_minutes", "resolution_due_at", "reopen_count"
    ):
        if ticket.reopen_count:
            due = ticket.created_at + timedelta(minutes=ticket.resolution_minutes + ticket.on_hold_minutes)
        else:
            due = ticket.resolution_due_at
        Ticket.objects.filter(pk=ticket.pk).update(
            first_resolved_at=resolved_at[ticket.pk], first_resolution_due_at=due
        )

    replies = (
        TicketEvent.objects.filter(
            ticket__kind="complaint", kind="comment", is_public=True, actor__staff_profile__isnull=False
        )
        .values("ticket_id")
        .annotate(at=Min("created_at"))
    )
    for row in replies.iterator():
        Ticket.objects.filter(pk=row["ticket_id"]).update(first_replied_at=row["at"])

    places = (
        Ticket.objects.filter(unit__isnull=True, public_location__isnull=True)
        .exclude(location="")
        .values_list("estate_id", "location")
        .distinct()
    )
    for estate_id, name in list(places):
        place, _ = PublicLocation.objects.get_or_create(estate_id=estate_id, name=name[:100])
        Ticket.objects.filter(estate_id=estate_id, unit__isnull=True, location=name).update(
            public_location=place, location=""
        )


class Migration(migrations.Migration):
    dependencies = [("tickets", "0006_kpi_first_resolution_replies_locations_causes"), ("staff", "0001_initial")]

    operations = [
        migrations.RunPython(seed_root_causes, migrations.RunPython.noop),
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]
