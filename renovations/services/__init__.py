"""Writes for renovations, by subdomain; every caller (views, API, admin, tasks, commands) uses
these names. Each module re-exports its public functions here."""

from renovations.services.passes import issue_worker_passes, revoke_worker_passes  # noqa: F401
