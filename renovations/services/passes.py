"""Worker passes (装修出入证): one shared pass per worker, valid for the permit period, revoked when
the works end or are stopped (the pass model and its services are the archive's: residents)."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django.utils import timezone

from renovations.models import Renovation
from renovations.selectors import rules_for, working_hours_text
from residents import services as residents
from residents.models import Pass


def worker_pass_prefix(renovation: Renovation) -> str:
    return f"renovation:{renovation.pk}:"


def _period(renovation: Renovation, now: datetime) -> tuple[datetime, datetime]:
    """From now (or the planned start, if later) to the end of the planned end day, local time."""
    tz = timezone.get_current_timezone()
    start = timezone.make_aware(datetime.combine(renovation.planned_start, time.min), tz)
    end = timezone.make_aware(datetime.combine(renovation.planned_end + timedelta(days=1), time.min), tz)
    return max(start, now), end


def issue_worker_passes(*, renovation: Renovation, actor, now: datetime | None = None) -> list[Pass]:
    """A pass for each current worker who has no valid one, for the permit period. Safe to call
    twice: a worker's pass is keyed by the renovation, the worker and a round (a new round after
    the works were stopped and resumed, since revoked passes stay revoked)."""
    now = now or timezone.now()
    valid_from, valid_until = _period(renovation, now)
    if valid_until <= valid_from:
        return []
    hours = renovation.working_hours or working_hours_text(rules_for(renovation.estate_id))
    issued = []
    workers = renovation.workers.filter(removed_at__isnull=True).select_related("current_pass")
    for worker in workers:
        current = worker.current_pass
        if current is not None and current.state_at(now) in ("valid", "not_yet_valid"):
            continue
        worker_prefix = f"{worker_pass_prefix(renovation)}worker:{worker.pk}:"
        rounds = Pass.objects.filter(
            estate_id=renovation.estate_id, source_reference__startswith=worker_prefix
        ).count()
        pass_ = residents.issue_pass(
            estate=renovation.estate,
            kind=Pass.Kind.RENOVATION_WORKER,
            holder_name=worker.name,
            holder_mobile=worker.mobile,
            holder_id_number="",
            valid_from=valid_from,
            valid_until=valid_until,
            actor=None,
            unit=renovation.unit,
            allowed_hours=hours,
            source_reference=f"{worker_prefix}{rounds + 1}",
            now=now,
        )
        # The holder's ID is copied encrypted as it is (no decryption needed to issue a pass).
        pass_.holder_id_ciphertext = worker.id_number_ciphertext
        pass_.holder_id_hash = worker.id_number_hash
        pass_.holder_id_masked = worker.id_number_masked
        pass_.save(update_fields=["holder_id_ciphertext", "holder_id_hash", "holder_id_masked"])
        worker.current_pass = pass_
        worker.save(update_fields=["current_pass"])
        issued.append(pass_)
    return issued


def revoke_worker_passes(*, renovation: Renovation, actor, reason: str, now: datetime | None = None) -> int:
    """Revoke every worker pass of the renovation (the works ended, were stopped or withdrawn)."""
    return residents.revoke_passes(
        estate_id=renovation.estate_id,
        source_prefix=worker_pass_prefix(renovation),
        actor=actor,
        reason=reason,
        now=now,
    )
