"""Reads that may go to a read replica (issue #15: dashboards, reports and exports scale reads).

With `DATABASE_REPLICA_URL` set, settings add a `replica` database alias and name it in
`READ_REPLICA`; `ReplicaRouter` is always installed. Code that only reads and can live with a replica's lag of a few seconds wraps
itself in `reading_from_replica()` (or decorates a view with `replica_reads`); inside it every
read goes to the replica. Writes always go to the primary, inside or outside, and so does every
read outside the block: a page that just wrote must see its own write. Without a replica the block
changes nothing, so the same code runs on the embedded SQLite set-up.

The kernel: imports no app.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import wraps

from django.conf import settings

REPLICA = "replica"
_reading_from_replica: ContextVar[bool] = ContextVar("reading_from_replica", default=False)


def replica_alias() -> str | None:
    return getattr(settings, "READ_REPLICA", None)


@contextmanager
def reading_from_replica() -> Iterator[None]:
    token = _reading_from_replica.set(True)
    try:
        yield
    finally:
        _reading_from_replica.reset(token)


def replica_reads(view: Callable) -> Callable:
    """A view decorator: the view's reads go to the replica (it must not write)."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        with reading_from_replica():
            return view(*args, **kwargs)

    return wrapped


class ReplicaRouter:
    """Reads inside `reading_from_replica()` go to the replica; everything else goes to the
    primary. Both aliases hold the same rows, so relations between them are allowed; only the
    primary is migrated (the replica follows it by replication)."""

    def db_for_read(self, model, **hints):
        alias = replica_alias()
        if alias and _reading_from_replica.get():
            return alias
        return "default"

    def db_for_write(self, model, **hints):
        return "default"

    def allow_relation(self, obj1, obj2, **hints):
        return True

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db != replica_alias() and db != REPLICA
