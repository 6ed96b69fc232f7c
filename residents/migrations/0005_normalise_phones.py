"""Store every person's phones as digits only (0755-8888-1234 → 075588881234).

Phone search now matches a whole number or exactly its last four digits (servicecenter.phones),
so a number stored with dashes or spaces would no longer be found. The trigram indexes of 0003
stay: on PostgreSQL they serve the `endswith` (LIKE '%1234') on mobile and the anchored regular
expression on other_phones that the last-four search uses.
"""

from django.db import migrations

from servicecenter.validators import normalize_phone, normalize_phone_list

FIELDS = ["mobile", "other_phones", "emergency_contact_phone"]


def normalise_person_phones(apps, schema_editor):
    Person = apps.get_model("residents", "Person")
    changed = []
    for person in Person.objects.only("pk", *FIELDS).order_by("pk").iterator(chunk_size=2000):
        old = (person.mobile, person.other_phones, person.emergency_contact_phone)
        new = (
            normalize_phone(person.mobile),
            normalize_phone_list(person.other_phones),
            normalize_phone(person.emergency_contact_phone),
        )
        if new != old:
            person.mobile, person.other_phones, person.emergency_contact_phone = new
            changed.append(person)
        if len(changed) >= 500:
            Person.objects.bulk_update(changed, FIELDS)
            changed = []
    if changed:
        Person.objects.bulk_update(changed, FIELDS)


class Migration(migrations.Migration):
    dependencies = [("residents", "0004_order_by_key_columns")]

    operations = [migrations.RunPython(normalise_person_phones, migrations.RunPython.noop, elidable=True)]
