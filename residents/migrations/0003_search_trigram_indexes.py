"""Trigram indexes for the type-aheads (PostgreSQL only).

Django compiles icontains/istartswith to `UPPER(col) LIKE UPPER(%s)` and contains to
`col LIKE %s` on PostgreSQL; GIN trigram indexes on exactly those expressions let phone-digit,
name and unit-code searches use an index instead of scanning every person and unit. SQLite
has no such index type and keeps its plain scans (demo-sized data).
"""

from django.db import migrations

INDEXES = [
    ("residents_person_mobile_trgm", "residents_person", "mobile"),
    ("residents_person_other_phones_trgm", "residents_person", "other_phones"),
    ("residents_person_name_upper_trgm", "residents_person", "UPPER(name)"),
    ("residents_unit_code_upper_trgm", "residents_unit", "UPPER(code)"),
]


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    # pg_trgm is a trusted extension (PostgreSQL 13+): the database owner may create it.
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, table, expression in INDEXES:
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {table} USING gin (({expression}) gin_trgm_ops)")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _table, _expression in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("residents", "0002_desk_order_indexes")]

    operations = [migrations.RunPython(create, drop)]
