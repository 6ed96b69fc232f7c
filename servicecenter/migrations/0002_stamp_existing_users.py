import secrets

from django.conf import settings
from django.db import migrations


def stamp_existing_users(apps, schema_editor):
    # Users without a stamp are never cached (correct, only slower): give every existing user one.
    user_model = apps.get_model(*settings.AUTH_USER_MODEL.split("."))
    stamp_model = apps.get_model("servicecenter", "UserStamp")
    user_ids = user_model.objects.values_list("pk", flat=True).iterator(chunk_size=2000)
    stamp_model.objects.bulk_create(
        (
            stamp_model(user_id=pk, version=secrets.token_hex(8), bell_version=secrets.token_hex(8))
            for pk in user_ids
        ),
        batch_size=2000,
        ignore_conflicts=True,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("servicecenter", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [migrations.RunPython(stamp_existing_users, migrations.RunPython.noop)]
