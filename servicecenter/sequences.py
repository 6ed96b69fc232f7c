"""Gapless per-key sequences (ticket numbers per estate and day, receipt numbers per estate and year)."""

from django.db import connection, models


def bump_counter(model: type[models.Model], *, value_field: str = "last_number", **key) -> int:
    """Add one to the counter row identified by `key` (creating it at 1) and return the new value.

    One INSERT … ON CONFLICT … DO UPDATE … RETURNING: concurrent callers queue on the row, which
    stays locked until the caller's transaction ends, so no value is given twice (MAX()+1 would
    race) and a rolled-back transaction gives its value back. `key` names the columns of the
    model's unique constraint, e.g. `estate_id=…, year=…`; call it inside the transaction that
    uses the value.
    """
    meta = model._meta
    table = connection.ops.quote_name(meta.db_table)
    fields = {
        name: meta.get_field(name.removesuffix("_id") if name.endswith("_id") else name) for name in key
    }
    columns = [connection.ops.quote_name(field.column) for field in fields.values()]
    values = [
        field.target_field.get_db_prep_save(key[name], connection)
        if field.is_relation
        else field.get_db_prep_save(key[name], connection)
        for name, field in fields.items()
    ]
    counter = connection.ops.quote_name(meta.get_field(value_field).column)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({', '.join(columns)}, {counter}) VALUES ({', '.join(['%s'] * len(values))}, 1) "
            f"ON CONFLICT ({', '.join(columns)}) DO UPDATE SET {counter} = {table}.{counter} + 1 "
            f"RETURNING {counter}",
            values,
        )
        return cursor.fetchone()[0]
