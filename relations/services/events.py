"""Writes of community events: create, edit, publish, cancel; residents sign up the members of
their household and cancel before the deadline."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from relations.models import CommunityEvent, CommunityEventEvent, EventSignup
from relations.selectors.events import household_units
from relations.services.notices import clean_targets, clean_text, require_estate
from relations.workflows import COMMUNITY_EVENT
from residents.models import Building, Estate, Person
from servicecenter.exceptions import DomainError

ADD = "relations.add_communityevent"
CHANGE = "relations.change_communityevent"


def _require_perm(actor, perm: str) -> None:
    if actor is None or not actor.has_perm(perm):
        raise PermissionDenied(_("You are not allowed to do this."))


def _clean_schedule(
    *, starts_at: datetime, ends_at: datetime, signup_deadline: datetime, capacity: int
) -> None:
    if ends_at <= starts_at:
        raise DomainError(_("The event must end after it starts."), code="end_before_start")
    if signup_deadline > starts_at:
        raise DomainError(
            _("The sign-up deadline must be before the event starts."), code="deadline_after_start"
        )
    if capacity is None or capacity < 1:
        raise DomainError(_("An event needs at least one place."), code="capacity_invalid")


@transaction.atomic
def create_event(
    *,
    actor,
    estate: Estate,
    title: str,
    place: str,
    starts_at: datetime,
    ends_at: datetime,
    capacity: int,
    signup_deadline: datetime,
    description: str = "",
    buildings: Iterable[Building] = (),
    now: datetime | None = None,
) -> CommunityEvent:
    now = now or timezone.now()
    _require_perm(actor, ADD)
    require_estate(actor, estate.pk)
    _clean_schedule(starts_at=starts_at, ends_at=ends_at, signup_deadline=signup_deadline, capacity=capacity)
    event = CommunityEvent.objects.create(
        estate=estate,
        title=clean_text(title, message=_("Enter a title."), code="title_required", max_length=200),
        place=clean_text(place, message=_("Enter the place."), code="place_required", max_length=200),
        description=(description or "").strip()[:5000],
        starts_at=starts_at,
        ends_at=ends_at,
        capacity=capacity,
        signup_deadline=signup_deadline,
        created_by=actor,
        created_at=now,
    )
    event.buildings.set(clean_targets(estate=estate, buildings=buildings))
    CommunityEventEvent.objects.create(
        community_event=event, action="create", to_status=event.status, actor=actor, created_at=now
    )
    return event


@transaction.atomic
def update_event(
    *,
    event: CommunityEvent,
    actor,
    title: str,
    place: str,
    starts_at: datetime,
    ends_at: datetime,
    capacity: int,
    signup_deadline: datetime,
    description: str = "",
    buildings: Iterable[Building] = (),
    now: datetime | None = None,
) -> CommunityEvent:
    """Edit an event that is not cancelled; the capacity never drops below those signed up."""
    now = now or timezone.now()
    _require_perm(actor, CHANGE)
    event = CommunityEvent.objects.select_for_update().get(pk=event.pk)
    require_estate(actor, event.estate_id)
    if event.status == CommunityEvent.Status.CANCELLED:
        raise DomainError(_("A cancelled event can no longer be edited."), code="event_cancelled")
    _clean_schedule(starts_at=starts_at, ends_at=ends_at, signup_deadline=signup_deadline, capacity=capacity)
    signed = event.signups.active().count()
    if capacity < signed:
        raise DomainError(
            _("%(count)s people have signed up: the event needs at least that many places.")
            % {"count": signed},
            code="capacity_below_signups",
        )
    event.title = clean_text(title, message=_("Enter a title."), code="title_required", max_length=200)
    event.place = clean_text(place, message=_("Enter the place."), code="place_required", max_length=200)
    event.description = (description or "").strip()[:5000]
    event.starts_at, event.ends_at, event.signup_deadline = starts_at, ends_at, signup_deadline
    event.capacity = capacity
    event.save(
        update_fields=["title", "place", "description", "starts_at", "ends_at", "signup_deadline", "capacity"]
    )
    if event.status == CommunityEvent.Status.DRAFT:
        event.buildings.set(clean_targets(estate=event.estate, buildings=buildings))
    CommunityEventEvent.objects.create(
        community_event=event,
        action="edit",
        from_status=event.status,
        to_status=event.status,
        actor=actor,
        created_at=now,
    )
    return event


@transaction.atomic
def publish_event(
    *, event: CommunityEvent, actor, note: str = "", now: datetime | None = None
) -> CommunityEvent:
    now = now or timezone.now()
    event = CommunityEvent.objects.select_for_update().get(pk=event.pk)
    COMMUNITY_EVENT.check(event, "publish", actor, now=now)
    require_estate(actor, event.estate_id)
    if event.signup_deadline <= now:
        raise DomainError(
            _("The sign-up deadline has passed: change the dates before publishing."), code="deadline_passed"
        )
    COMMUNITY_EVENT.transition(
        event, "publish", actor=actor, note=note, now=now, fields={"published_at": now}
    )
    return event


@transaction.atomic
def cancel_event(
    *, event: CommunityEvent, actor, note: str = "", now: datetime | None = None
) -> CommunityEvent:
    now = now or timezone.now()
    event = CommunityEvent.objects.select_for_update().get(pk=event.pk)
    COMMUNITY_EVENT.check(event, "cancel", actor, now=now)
    require_estate(actor, event.estate_id)
    COMMUNITY_EVENT.transition(event, "cancel", actor=actor, note=note, now=now, fields={"cancelled_at": now})
    return event


def _shared_unit(user, person: Person, *, now: datetime):
    """The id of a unit where the user and the person both live today (the person is of their household)."""
    units = household_units(user, person, today=timezone.localdate(now))
    if not units:
        raise DomainError(_("You can sign up only the members of your own household."), code="not_household")
    return units[0]


@transaction.atomic
def sign_up(*, event: CommunityEvent, person: Person, user, now: datetime | None = None) -> EventSignup:
    """Sign a household member up: each once, within the places, before the deadline.

    The event row is locked first, so two last-place sign-ups arriving together are counted one
    after the other and the second is refused."""
    now = now or timezone.now()
    locked = CommunityEvent.objects.select_for_update().filter(pk=event.pk).first()
    if locked is None or not CommunityEvent.objects.visible_to(user).filter(pk=event.pk).exists():
        raise DomainError(_("No such event."), code="event_not_found")
    unit_id = _shared_unit(user, person, now=now)
    if locked.status != CommunityEvent.Status.PUBLISHED:
        raise DomainError(_("This event is not open for sign-up."), code="event_not_open")
    if now > locked.signup_deadline:
        raise DomainError(_("The sign-up deadline has passed."), code="deadline_passed")
    signups = EventSignup.objects.filter(community_event=locked).active()
    if signups.filter(person=person).exists():
        raise DomainError(
            _("%(name)s is already signed up for this event.") % {"name": person.name},
            code="already_signed_up",
        )
    if signups.count() >= locked.capacity:
        raise DomainError(_("This event is full."), code="event_full")
    try:
        with transaction.atomic():
            return EventSignup.objects.create(
                community_event=locked, person=person, unit_id=unit_id, signed_up_by=user, created_at=now
            )
    except IntegrityError:
        raise DomainError(
            _("%(name)s is already signed up for this event.") % {"name": person.name},
            code="already_signed_up",
        ) from None


@transaction.atomic
def cancel_signup(*, event: CommunityEvent, person: Person, user, now: datetime | None = None) -> EventSignup:
    """Take a household member off the list, until the sign-up deadline."""
    now = now or timezone.now()
    locked = CommunityEvent.objects.select_for_update().filter(pk=event.pk).first()
    if locked is None or not CommunityEvent.objects.visible_to(user).filter(pk=event.pk).exists():
        raise DomainError(_("No such event."), code="event_not_found")
    _shared_unit(user, person, now=now)
    signup = EventSignup.objects.filter(community_event=locked, person=person).active().first()
    if signup is None:
        raise DomainError(_("%(name)s is not signed up.") % {"name": person.name}, code="not_signed_up")
    if now > locked.signup_deadline:
        raise DomainError(
            _("The sign-up deadline has passed: call the service centre to cancel."), code="deadline_passed"
        )
    signup.cancelled_at = now
    signup.save(update_fields=["cancelled_at"])
    return signup
