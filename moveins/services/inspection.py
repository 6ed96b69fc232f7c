"""The unit inspection with the owner (验房): the opening meter readings (抄水、电表底数), passed
or defects found (each a ticket for the estate's engineering team or the developer's warranty
team, due by its rectification deadline), and the re-inspection once every repair is done."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from billing import services as billing
from billing.models import Meter
from moveins.models import Defect, DefectPhoto, Inspection, MoveIn, OpeningReading
from moveins.services._common import (
    MoveInStatus,
    check,
    lock,
    now_or,
    require_estate,
    require_perm,
    transition,
    write_event,
)
from servicecenter.exceptions import DomainError
from servicecenter.uploads import prepare_upload
from staff.models import Team
from tickets import services as tickets
from tickets.models import Ticket, TicketCategory

PERM = "moveins."
MAX_DEFECTS = 100
MAX_PHOTOS = 10
# Readings are taken while the unit is walked through, and at the latest with the keys.
READING_STATES = (MoveInStatus.INSPECTION, MoveInStatus.RECTIFICATION, MoveInStatus.KEYS)
# The category of a defect's ticket when the inspector chose none.
DEFAULT_CATEGORY_CODE = "other"
TEAM_KIND_OF = {
    Defect.Responsible.ENGINEERING: Team.Kind.MAINTENANCE,
    Defect.Responsible.WARRANTY: Team.Kind.WARRANTY,
}


@dataclass
class DefectInput:
    """One defect as entered at the inspection."""

    location: str
    description: str
    deadline: date
    responsible: str = Defect.Responsible.WARRANTY  # "engineering" | "warranty"
    category: TicketCategory | None = None
    photos: list = field(default_factory=list)


@transaction.atomic
def record_opening_readings(
    *, move_in: MoveIn, actor, readings: dict, now: datetime | None = None
) -> list[OpeningReading]:
    """Record the meters' readings at handover ({meter id: value}) as this month's readings in
    billing: the owner pays from them. The unit's own meters only; a reading below the meter's
    last one is refused, naming the meter; nothing is kept then."""
    now = now_or(now)
    move_in = lock(move_in)
    require_perm(actor, f"{PERM}inspect_movein", _("You are not allowed to record move-in inspections."))
    require_estate(actor, move_in.estate_id)
    if move_in.status not in READING_STATES:
        raise DomainError(
            _("The meters are read at the inspection, before the keys are handed over."),
            code="readings_not_due",
        )
    if not readings:
        raise DomainError(_("Enter at least one meter reading."), code="readings_required")
    try:
        meter_ids = {int(meter_id) for meter_id in readings}
    except (TypeError, ValueError):
        raise DomainError(_("Choose the unit's meters."), code="unknown_meter") from None
    meters = {meter.pk: meter for meter in Meter.objects.filter(pk__in=meter_ids, unit_id=move_in.unit_id)}
    if set(meters) != meter_ids:
        raise DomainError(_("Those are not all this unit's meters."), code="unknown_meter")
    already = set(move_in.opening_readings.filter(meter_id__in=meter_ids).values_list("meter_id", flat=True))
    if already:
        raise DomainError(
            _("The opening reading of meter %(meter)s is already recorded.")
            % {"meter": meters[min(already)]},
            code="reading_recorded",
        )
    today = timezone.localdate(now)
    made = []
    for meter_id, value in sorted(readings.items(), key=lambda pair: int(pair[0])):
        meter = meters[int(meter_id)]
        try:
            with transaction.atomic():
                reading = billing.record_meter_reading(
                    meter=meter, period=today, value=value, actor=actor, reading_date=today, now=now
                )
        except DomainError as error:
            raise DomainError(
                _("Meter %(meter)s: %(error)s") % {"meter": meter, "error": error.message}, code=error.code
            ) from None
        made.append(
            OpeningReading.objects.create(
                move_in=move_in, meter=meter, reading=reading, recorded_by=actor, recorded_at=now
            )
        )
    write_event(
        move_in,
        action="opening_readings",
        actor=actor,
        now=now,
        note="; ".join(f"{row.meter}: {row.reading.value}" for row in made),
    )
    return made


def _close_open_defects(move_in: MoveIn, *, actor, now: datetime) -> int:
    return Defect.objects.filter(move_in=move_in, closed_at__isnull=True).update(
        closed_at=now, closed_by=actor
    )


def _is_reinspection(move_in: MoveIn) -> bool:
    return move_in.inspections.exists()


@transaction.atomic
def pass_inspection(*, move_in: MoveIn, actor, note: str = "", now: datetime | None = None) -> MoveIn:
    """The unit is accepted: on to the keys. At a re-inspection, the defects are closed."""
    now = now_or(now)
    move_in = lock(move_in)
    check(move_in, "pass_inspection", actor, now=now)
    note = (note or "").strip()
    Inspection.objects.create(
        move_in=move_in,
        is_reinspection=_is_reinspection(move_in),
        result=Inspection.Result.PASSED,
        inspected_by=actor,
        inspected_at=now,
        note=note,
    )
    _close_open_defects(move_in, actor=actor, now=now)
    transition(move_in, "pass_inspection", actor=actor, now=now, note=note)
    return move_in


def _clean_defect(entry: DefectInput, *, today: date) -> DefectInput:
    location = (entry.location or "").strip()[:100]
    description = (entry.description or "").strip()
    if not location or not description:
        raise DomainError(_("Say where each defect is and describe it."), code="defect_incomplete")
    if not isinstance(entry.deadline, date):
        raise DomainError(_("Give each defect a rectification deadline."), code="deadline_required")
    if entry.deadline < today:
        raise DomainError(
            _("The rectification deadline %(date)s is in the past.") % {"date": entry.deadline.isoformat()},
            code="deadline_past",
        )
    if entry.responsible not in Defect.Responsible.values:
        raise DomainError(_("Choose who rectifies the defect."), code="invalid_responsible")
    if entry.category is not None and not entry.category.is_active:
        raise DomainError(_("This category is no longer in use."), code="inactive_category")
    if len(entry.photos or ()) > MAX_PHOTOS:
        raise DomainError(
            _("At most %(count)s photos per defect.") % {"count": MAX_PHOTOS}, code="too_many_photos"
        )
    return DefectInput(
        location=location,
        description=description,
        deadline=entry.deadline,
        responsible=entry.responsible,
        category=entry.category,
        photos=list(entry.photos or ()),
    )


def responsible_team(*, estate_id: int, responsible: str) -> Team:
    """The estate's team that rectifies: its maintenance (engineering) team, or the developer's
    warranty team. Refused clearly when the estate has none, before anything is recorded."""
    team = Team.objects.filter(estate_id=estate_id, kind=TEAM_KIND_OF[responsible]).order_by("pk").first()
    if team is None:
        if responsible == Defect.Responsible.WARRANTY:
            message = _(
                "The estate has no developer's warranty team to send the defect to; add one "
                "(a team of the kind “Developer's warranty team”) first."
            )
        else:
            message = _("The estate has no maintenance team to send the defect to; add one first.")
        raise DomainError(message, code="no_responsible_team")
    return team


def _default_category() -> TicketCategory:
    category = TicketCategory.objects.filter(code=DEFAULT_CATEGORY_CODE, is_active=True).first()
    category = category or TicketCategory.objects.filter(is_active=True).order_by("sort_order", "pk").first()
    if category is None:
        raise DomainError(_("No ticket category is in use; add one first."), code="no_category")
    return category


def end_of_day(day: date) -> datetime:
    """The last minute of the day, local time: a deadline "by the 15th" is met on the 15th."""
    return timezone.make_aware(datetime.combine(day, time(23, 59)))


def _store_photos(defect: Defect, photos, *, actor, now: datetime) -> list[ContentFile]:
    """The defect's photos, checked and re-encoded; returns the stored bytes for the ticket."""
    copies = []
    for uploaded in photos:
        try:
            stored, content_type = prepare_upload(uploaded)
        except ValidationError as exc:
            raise DomainError(exc.messages[0], code="invalid_upload") from None
        photo = DefectPhoto(
            defect=defect,
            original_name=(getattr(uploaded, "name", "") or stored.name)[:255],
            content_type=content_type,
            size=stored.size,
            uploaded_by=actor,
            uploaded_at=now,
        )
        content = stored.read() if hasattr(stored, "read") else b""
        stored.seek(0)
        photo.file.save(stored.name, stored, save=False)
        photo.save()
        copies.append(ContentFile(content, name=stored.name))
    return copies


@transaction.atomic
def record_defects(
    *, move_in: MoveIn, actor, defects: list[DefectInput], note: str = "", now: datetime | None = None
) -> list[Defect]:
    """The inspection found defects: each is recorded with its rectification deadline and sent
    as a repair ticket to the team that rectifies it (the estate's engineering team, or the
    developer's warranty team), due by the end of its deadline. All or nothing."""
    now = now_or(now)
    move_in = lock(move_in)
    check(move_in, "record_defects", actor, now=now)
    entries = list(defects or ())
    if not entries:
        raise DomainError(_("List at least one defect."), code="defects_required")
    if len(entries) > MAX_DEFECTS:
        raise DomainError(_("Too many defects in one go."), code="too_many_defects")
    today = timezone.localdate(now)
    cleaned = [_clean_defect(entry, today=today) for entry in entries]
    teams = {
        responsible: responsible_team(estate_id=move_in.estate_id, responsible=responsible)
        for responsible in {entry.responsible for entry in cleaned}
    }
    default_category = None
    if any(entry.category is None for entry in cleaned):
        default_category = _default_category()
    note = (note or "").strip()
    inspection = Inspection.objects.create(
        move_in=move_in,
        is_reinspection=_is_reinspection(move_in),
        result=Inspection.Result.DEFECTS,
        inspected_by=actor,
        inspected_at=now,
        note=note,
    )
    made = []
    for entry in cleaned:
        defect = Defect.objects.create(
            move_in=move_in,
            inspection=inspection,
            location=entry.location,
            description=entry.description,
            category=entry.category,
            responsible=entry.responsible,
            deadline=entry.deadline,
            created_at=now,
        )
        copies = _store_photos(defect, entry.photos, actor=actor, now=now)
        try:
            ticket = tickets.register_ticket(
                actor=actor,
                kind=Ticket.Kind.REPAIR,
                channel=Ticket.Channel.STAFF_RELAY,
                category=entry.category or default_category,
                description=_("Handover defect (%(number)s, rectify by %(date)s): %(description)s")
                % {
                    "number": move_in.number,
                    "date": entry.deadline.isoformat(),
                    "description": entry.description,
                },
                unit=move_in.unit,
                location=entry.location,
                reporter=move_in.owner,
                team=teams[entry.responsible],
                attachments=copies,
                resolution_due_at=end_of_day(entry.deadline),
                now=now,
            )
        except ValidationError as exc:
            raise DomainError(exc.messages[0], code="ticket_refused") from None
        defect.ticket = ticket
        defect.save(update_fields=["ticket"])
        made.append(defect)
    transition(move_in, "record_defects", actor=actor, now=now, note=note)
    return made


@transaction.atomic
def request_reinspection(*, move_in: MoveIn, actor, note: str = "", now: datetime | None = None) -> MoveIn:
    """Every defect's repair is finished: back to the inspection (the re-inspection)."""
    now = now_or(now)
    move_in = lock(move_in)
    check(move_in, "reinspect", actor, now=now)
    transition(move_in, "reinspect", actor=actor, now=now, note=note)
    return move_in
