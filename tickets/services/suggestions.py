"""Training the intake suggester: one model per estate, learnt from the category and team that
staff settled on for its finished tickets (the final values, after any re-dispatch), kept in a
`SuggestionModel` row that every web process reads (`tickets.selectors.intake_suggestions`)."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.db import transaction

from tickets.models import SuggestionModel, Ticket
from tickets.services._common import _now
from tickets.suggestions import IntakeModel


def training_examples(*, estate_id: int) -> list[tuple[str, int, int | None]]:
    """The latest finished tickets' (description, category, team), newest first."""
    rows = (
        Ticket.objects.filter(estate_id=estate_id, status__in=Ticket.FINISHED)
        .order_by("-created_at", "-pk")
        .values_list("description", "category_id", "team_id")
    )
    return list(rows[: settings.TICKET_SUGGESTION_MAX_HISTORY])


def has_enough_history(examples) -> bool:
    return (
        len(examples) >= settings.TICKET_SUGGESTION_MIN_HISTORY
        and len({category for _, category, _ in examples}) >= 2
    )


@transaction.atomic
def train_suggestion_model(*, estate_id: int, now: datetime | None = None) -> SuggestionModel | None:
    """Learn the estate's model afresh and store it. Run again on the same history, it keeps the
    stored row as it is (so the web processes' caches stay warm). With too thin a history it
    removes any stored model: suggestions then come from the categories' keywords."""
    now = _now(now)
    examples = training_examples(estate_id=estate_id)
    if not has_enough_history(examples):
        SuggestionModel.objects.filter(estate_id=estate_id).delete()
        return None
    payload = IntakeModel.fit(examples).dumps()
    stored = SuggestionModel.objects.select_for_update().filter(estate_id=estate_id).first()
    if stored is not None and bytes(stored.payload) == payload:
        return stored
    stored, _ = SuggestionModel.objects.update_or_create(
        estate_id=estate_id,
        defaults={
            "trained_at": now,
            "ticket_count": len(examples),
            "category_count": len({category for _, category, _ in examples}),
            "payload": payload,
        },
    )
    return stored


def estates_to_train() -> list[int]:
    """Estates with finished tickets, and those with a stored model (whose history may have thinned)."""
    with_history = Ticket.objects.filter(status__in=Ticket.FINISHED).values_list("estate_id", flat=True)
    with_model = SuggestionModel.objects.values_list("estate_id", flat=True)
    return sorted(set(with_history.distinct()) | set(with_model))
