"""Incidents (突发事件): the log, its timeline (who did what when) and who was told; drills (演习)
planned and then recorded as held. Tickets link themselves to incidents (tickets.services)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from servicecenter.exceptions import DomainError
from staff.models import Drill, Incident, IncidentKind, IncidentTimelineEntry, StaffProfile
from staff.services_quality import require_estate_access

RECORD_INCIDENT = "staff.add_incident"
FOLLOW_INCIDENT = "staff.change_incident"
PLAN_DRILL = "staff.add_drill"
RECORD_DRILL = "staff.change_drill"


def _now(now: datetime | None) -> datetime:
    return now or timezone.now()


def _text(value: str, *, message: str, code: str = "required") -> str:
    value = (value or "").strip()
    if not value:
        raise DomainError(message, code=code)
    return value


def _kind(kind: str) -> str:
    if kind not in IncidentKind.values:
        raise DomainError(_("Choose a kind of incident."), code="bad_kind")
    return kind


def _staff_of_estate(users: Iterable, estate) -> list:
    users = [u for u in users if u is not None]
    known = set(StaffProfile.objects.filter(user__in=users, estates=estate).values_list("user_id", flat=True))
    if any(u.pk not in known for u in users):
        raise DomainError(_("Only staff of the estate can be listed as notified."), code="not_estate_staff")
    return users


@transaction.atomic
def record_incident(
    *,
    actor,
    estate,
    kind: str,
    title: str,
    occurred_at: datetime,
    location: str = "",
    description: str = "",
    notified_users: Iterable = (),
    notified_others: str = "",
    now: datetime | None = None,
) -> Incident:
    now = _now(now)
    require_estate_access(actor, estate, RECORD_INCIDENT, _("You may not record incidents."))
    if occurred_at is None or occurred_at > now:
        raise DomainError(_("An incident cannot have happened in the future."), code="in_future")
    incident = Incident.objects.create(
        estate=estate,
        kind=_kind(kind),
        title=_text(title, message=_("Give the incident a title.")),
        location=(location or "").strip(),
        description=(description or "").strip(),
        occurred_at=occurred_at,
        reported_by=actor,
        notified_others=(notified_others or "").strip(),
        created_at=now,
    )
    incident.notified_users.set(_staff_of_estate(notified_users, estate))
    return incident


def _require_open(incident: Incident) -> None:
    if incident.closed_at is not None:
        raise DomainError(_("The incident is closed."), code="closed")


def add_timeline_entry(
    *, actor, incident: Incident, text: str, at: datetime | None = None, now: datetime | None = None
) -> IncidentTimelineEntry:
    now = _now(now)
    require_estate_access(actor, incident.estate, FOLLOW_INCIDENT, _("You may not follow up incidents."))
    _require_open(incident)
    at = at or now
    if at > now:
        raise DomainError(_("A timeline entry cannot be in the future."), code="in_future")
    if at < incident.occurred_at:
        raise DomainError(_("A timeline entry cannot be before the incident."), code="before_incident")
    return IncidentTimelineEntry.objects.create(
        incident=incident, at=at, author=actor, text=_text(text, message=_("Say what happened."))
    )


@transaction.atomic
def record_notified(*, actor, incident: Incident, users: Iterable = (), others: str = "") -> Incident:
    """Add who was told (staff of the estate, and anyone else as free text)."""
    require_estate_access(actor, incident.estate, FOLLOW_INCIDENT, _("You may not follow up incidents."))
    incident.notified_users.add(*_staff_of_estate(users, incident.estate))
    others = (others or "").strip()
    if others:
        incident.notified_others = "\n".join(filter(None, [incident.notified_others, others]))
        incident.save(update_fields=["notified_others"])
    return incident


@transaction.atomic
def close_incident(*, actor, incident: Incident, note: str, now: datetime | None = None) -> Incident:
    """Close the incident: the closing note is the last entry of its timeline. Once."""
    now = _now(now)
    require_estate_access(actor, incident.estate, FOLLOW_INCIDENT, _("You may not follow up incidents."))
    incident = Incident.objects.select_for_update().get(pk=incident.pk)
    _require_open(incident)
    text = _text(note, message=_("Say how the incident was resolved."))
    IncidentTimelineEntry.objects.create(incident=incident, at=now, author=actor, text=text)
    incident.closed_at = now
    incident.closed_by = actor
    incident.save(update_fields=["closed_at", "closed_by"])
    return incident


def link_ticket(*, actor, incident: Incident, number: str) -> None:
    """Link the ticket with this number to the incident, through the tickets app (registered in
    `staff.selectors_quality`: staff may not import tickets)."""
    from staff import selectors_quality

    number = _text(number, message=_("Give the ticket number."))
    if selectors_quality._link_ticket is None:
        raise DomainError(_("Tickets cannot be linked here."), code="unavailable")
    selectors_quality._link_ticket(actor=actor, incident=incident, number=number)


def plan_drill(
    *, actor, estate, kind: str, planned_for: date, participants: str = "", notes: str = "", now=None
) -> Drill:
    require_estate_access(actor, estate, PLAN_DRILL, _("You may not plan drills."))
    if planned_for is None:
        raise DomainError(_("Give the drill a date."), code="required")
    return Drill.objects.create(
        estate=estate,
        kind=_kind(kind),
        planned_for=planned_for,
        participants=(participants or "").strip(),
        notes=(notes or "").strip(),
        created_by=actor,
    )


def record_drill_held(
    *, actor, drill: Drill, held_on: date, participants: str, notes: str = "", now: datetime | None = None
) -> Drill:
    require_estate_access(actor, drill.estate, RECORD_DRILL, _("You may not record drills."))
    if held_on is None or held_on > timezone.localdate(_now(now)):
        raise DomainError(_("A drill cannot be recorded as held in the future."), code="in_future")
    drill.held_on = held_on
    drill.participants = _text(participants, message=_("Say who took part in the drill."))
    drill.notes = (notes or "").strip() or drill.notes
    drill.save(update_fields=["held_on", "participants", "notes"])
    return drill
