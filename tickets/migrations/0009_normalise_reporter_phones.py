"""Store the phones of reporters who are not in the archive as digits only, like every phone."""

from django.db import migrations

from servicecenter.validators import normalize_phone


def normalise_reporter_phones(apps, schema_editor):
    Ticket = apps.get_model("tickets", "Ticket")
    changed = []
    for ticket in (
        Ticket.objects.exclude(reporter_phone="").only("pk", "reporter_phone").iterator(chunk_size=2000)
    ):
        phone = normalize_phone(ticket.reporter_phone)
        if phone != ticket.reporter_phone:
            ticket.reporter_phone = phone
            changed.append(ticket)
        if len(changed) >= 500:
            Ticket.objects.bulk_update(changed, ["reporter_phone"])
            changed = []
    if changed:
        Ticket.objects.bulk_update(changed, ["reporter_phone"])


class Migration(migrations.Migration):
    dependencies = [("tickets", "0008_reply_permission")]

    operations = [migrations.RunPython(normalise_reporter_phones, migrations.RunPython.noop, elidable=True)]
