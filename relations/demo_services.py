"""Demo data for special services: every demo estate gets the default catalogue (idempotent)."""

from __future__ import annotations


def seed_demo_data(*, estates, users, rng, stdout) -> None:
    from relations.services.special_services import ensure_default_special_services

    added = sum(ensure_default_special_services(estate) for estate in estates)
    stdout.write(f"Special services: {added} added.")
