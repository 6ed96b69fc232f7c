"""Store staff phones as digits only, like every phone (servicecenter.validators.normalize_phone)."""

from django.db import migrations

from servicecenter.validators import normalize_phone


def normalise_staff_phones(apps, schema_editor):
    StaffProfile = apps.get_model("staff", "StaffProfile")
    changed = []
    for profile in StaffProfile.objects.exclude(phone="").only("pk", "phone"):
        phone = normalize_phone(profile.phone)
        if phone != profile.phone:
            profile.phone = phone
            changed.append(profile)
    StaffProfile.objects.bulk_update(changed, ["phone"], batch_size=500)


class Migration(migrations.Migration):
    dependencies = [("staff", "0004_outbound_claim_lease_and_backoff")]

    operations = [migrations.RunPython(normalise_staff_phones, migrations.RunPython.noop, elidable=True)]
