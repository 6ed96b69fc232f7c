"""The move-in charges: billed when the documents are done, paid at the cashier (or waived by a
manager), checked before the inspection and again before the keys."""

from __future__ import annotations

from datetime import datetime

from servicecenter.exceptions import DomainError


class ChargesOwed(DomainError):
    status_code = 409


def finish_documents(*, move_in, actor, note: str = "", now: datetime | None = None):
    raise NotImplementedError


def take_move_in_deposit(*, charge, method: str, actor, idempotency_key: str, now: datetime | None = None):
    raise NotImplementedError


def waive_move_in_fees(*, move_in, actor, reason: str, now: datetime | None = None):
    raise NotImplementedError


def confirm_fees(*, move_in, actor, note: str = "", now: datetime | None = None):
    raise NotImplementedError
