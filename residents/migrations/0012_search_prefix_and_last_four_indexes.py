"""Indexes for the desk's search (issue #16): a unit code's prefix and a mobile's last four digits.

Django compiles `code__istartswith` to `UPPER(code::text) LIKE UPPER('17-3-201%')`. The trigram
index of 0003 answers that only by intersecting very common trigrams (" 17", "201"...) and
rechecking; a B-tree on the same expression reads just the range of codes with that prefix.
`text_pattern_ops` makes the range usable whatever the database's collation (with a
non-C collation a plain B-tree does not serve LIKE). PostgreSQL only, like 0003: SQLite
keeps its plain scans.

The last-four index is in the model's state (`Person.Meta.indexes`), so SQLite gets it too.
"""

import django.db.models.functions.text
from django.db import migrations, models

UNIT_CODE_PREFIX_INDEX = "residents_unit_code_upper_prefix"


def create_unit_code_prefix_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS {UNIT_CODE_PREFIX_INDEX} ON residents_unit (UPPER(code::text) text_pattern_ops)"
    )


def drop_unit_code_prefix_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"DROP INDEX IF EXISTS {UNIT_CODE_PREFIX_INDEX}")


class Migration(migrations.Migration):
    dependencies = [("residents", "0011_household_requests")]

    operations = [
        migrations.AddIndex(
            model_name="person",
            index=models.Index(
                django.db.models.functions.text.Right("mobile", 4), name="person_mobile_last_four_idx"
            ),
        ),
        migrations.RunPython(create_unit_code_prefix_index, drop_unit_code_prefix_index),
    ]
