"""The manager's monthly callback sampling: the sample size, drawing the sample and recording
the review of a sampled callback."""

from __future__ import annotations

import math
import random
from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from servicecenter.exceptions import DomainError
from servicecenter.periods import month_bounds, previous_month
from staff.services import notify
from tickets.models import (
    Callback,
    CallbackReview,
    CallbackSample,
)
from tickets.selectors import (
    estate_users_with_role,
    policies_by_estate,
)
from tickets.services._common import CallbackStatus, _now

# --- the manager's monthly callback sampling ----------------------------------------------------


def sample_size(population: int, *, share_percent: int, minimum: int) -> int:
    """share% of the callbacks, rounded up, but at least `minimum` (or all when fewer)."""
    return min(population, max(minimum, math.ceil(population * share_percent / 100)))


def draw_callback_samples(
    *, now: datetime | None = None, month: date | None = None, rng: random.Random | None = None
) -> list[CallbackSample]:
    """On the 1st: for each estate, draw a random sample of last month's closed callbacks, those
    that reached the resident and those closed unreachable alike, for the manager to re-check.
    Unreachable ones are the easiest to fake, so they are never left out. One sample per estate
    and month (a unique constraint), so running it again draws nothing new."""
    now = _now(now)
    month = month or previous_month(now)
    start, end = month_bounds(month)
    rng = rng or random.SystemRandom()
    completed = Callback.objects.filter(
        status__in=[CallbackStatus.COMPLETED, CallbackStatus.UNREACHABLE],
        completed_at__gte=start,
        completed_at__lt=end,
    )
    estate_ids = sorted(set(completed.order_by().values_list("estate_id", flat=True)))
    policies = policies_by_estate(estate_ids)
    drawn = []
    for estate_id in estate_ids:
        ids = list(completed.filter(estate_id=estate_id).order_by("pk").values_list("pk", flat=True))
        policy = policies[estate_id]
        chosen = rng.sample(
            ids,
            sample_size(len(ids), share_percent=policy.sample_share_percent, minimum=policy.sample_minimum),
        )
        try:
            with transaction.atomic():
                sample = CallbackSample.objects.create(
                    estate_id=estate_id, month=month, population=len(ids), created_at=now
                )
                CallbackReview.objects.bulk_create(
                    CallbackReview(sample=sample, callback_id=pk) for pk in sorted(chosen)
                )
                notify(
                    recipients=estate_users_with_role(estate_id=estate_id, role="manager"),
                    kind="callback_sample",
                    title=_("Callbacks to re-check for %(month)s: %(n)s")
                    % {"month": f"{month:%Y-%m}", "n": len(chosen)},
                    url=reverse("tickets:callback_reviews"),
                    estate=sample.estate,
                    dedupe_key=f"callback-sample:{estate_id}:{month:%Y-%m}",
                    now=now,
                )
        except IntegrityError:
            continue  # already drawn for this estate and month
        drawn.append(sample)
    return drawn


@transaction.atomic
def record_callback_review(
    *, review: CallbackReview, actor, result: str, note: str = "", now: datetime | None = None
) -> CallbackReview:
    """The manager's re-check of one sampled callback; recorded once."""
    now = _now(now)
    review = CallbackReview.objects.select_for_update().get(pk=review.pk)
    if review.reviewed_at is not None:
        raise DomainError(_("This re-check has already been recorded."), code="already_reviewed")
    if result not in CallbackReview.Result.values:
        raise ValidationError({"result": _("Choose the result of the re-check.")}, code="invalid")
    review.result = result
    review.note = (note or "").strip()
    review.reviewed_by = actor
    review.reviewed_at = now
    review.save(update_fields=["result", "note", "reviewed_by", "reviewed_at"])
    return review
