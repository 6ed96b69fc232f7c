"""Scheduling a move-in, the owner's checklist, the keys, cancellation and the rating."""

from __future__ import annotations

from datetime import datetime


def next_move_in_number(*, estate, now: datetime) -> str:
    raise NotImplementedError


def schedule_move_in(
    *,
    actor,
    unit,
    owner,
    scheduled_for=None,
    batch=None,
    slot=None,
    notes: str = "",
    idempotency_key: str,
    now: datetime | None = None,
):
    raise NotImplementedError


def start_move_in(*, move_in, actor, note: str = "", now: datetime | None = None):
    raise NotImplementedError


def complete_checklist_item(
    *, item, actor, note: str = "", id_number: str = "", signed_copy=None, now: datetime | None = None
):
    raise NotImplementedError


def hand_over_keys(
    *,
    move_in,
    actor,
    keys: list[tuple[str, int]],
    signed_by: str,
    note: str = "",
    now: datetime | None = None,
):
    raise NotImplementedError


def cancel_move_in(*, move_in, actor, reason: str, now: datetime | None = None):
    raise NotImplementedError


def rate_handover(*, move_in, actor, score: int, comment: str = "", now: datetime | None = None):
    raise NotImplementedError
