"""Writes of management notices: write, edit, publish (urgent ones by SMS), withdraw, read."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from relations.models import Notice, NoticeEvent, NoticeRead
from relations.selectors.notices import notice_recipient_users
from relations.workflows import NOTICE
from residents.models import Building, Estate
from servicecenter.exceptions import DomainError
from servicecenter.scoping import access_for

ADD = "relations.add_notice"
CHANGE = "relations.change_notice"
SMS_TASK = "relations.tasks.send_urgent_notice_sms"


def require_estate(actor, estate_id: int) -> None:
    """Staff act only on the estates they work for (None: the system)."""
    if actor is None:
        return
    access = access_for(actor)
    if access.all_estates:
        return
    if not access.is_staff_member or estate_id not in access.estate_ids:
        raise PermissionDenied(_("You do not work in this estate."))


def _require_perm(actor, perm: str) -> None:
    if actor is None or not actor.has_perm(perm):
        raise PermissionDenied(_("You are not allowed to do this."))


def clean_targets(*, estate: Estate, buildings: Iterable[Building]) -> list[Building]:
    """The buildings a notice or an event targets: all of the estate's own (none: the whole estate)."""
    chosen = list({b.pk: b for b in buildings}.values())
    if any(b.estate_id != estate.pk for b in chosen):
        raise DomainError(_("Choose buildings of the notice's estate only."), code="building_not_in_estate")
    return chosen


def clean_text(value: str, *, message: str, code: str, max_length: int) -> str:
    value = (value or "").strip()
    if not value:
        raise DomainError(message, code=code)
    if len(value) > max_length:
        raise DomainError(
            _("At most %(count)s characters.") % {"count": max_length},
            code=f"{code.removesuffix('_required')}_too_long",
        )
    return value


def _clean_dates(start_date: date, end_date: date) -> None:
    if end_date < start_date:
        raise DomainError(_("The end date is before the start date."), code="end_before_start")


@transaction.atomic
def create_notice(
    *,
    actor,
    estate: Estate,
    title: str,
    body: str,
    start_date: date,
    end_date: date,
    is_urgent: bool = False,
    buildings: Iterable[Building] = (),
    now: datetime | None = None,
) -> Notice:
    """A draft notice for the estate (or some of its buildings)."""
    now = now or timezone.now()
    _require_perm(actor, ADD)
    require_estate(actor, estate.pk)
    title = clean_text(title, message=_("Enter a title."), code="title_required", max_length=200)
    body = clean_text(body, message=_("Enter the notice's text."), code="body_required", max_length=5000)
    _clean_dates(start_date, end_date)
    targets = clean_targets(estate=estate, buildings=buildings)
    notice = Notice.objects.create(
        estate=estate,
        title=title,
        body=body,
        start_date=start_date,
        end_date=end_date,
        is_urgent=is_urgent,
        created_by=actor,
        created_at=now,
    )
    notice.buildings.set(targets)
    NoticeEvent.objects.create(
        notice=notice, action="create", to_status=notice.status, actor=actor, created_at=now
    )
    return notice


@transaction.atomic
def update_notice(
    *,
    notice: Notice,
    actor,
    title: str,
    body: str,
    start_date: date,
    end_date: date,
    is_urgent: bool,
    buildings: Iterable[Building] = (),
    now: datetime | None = None,
) -> Notice:
    """Edit a draft, or correct a published notice (dates, text; its SMS is not sent again)."""
    now = now or timezone.now()
    _require_perm(actor, CHANGE)
    notice = Notice.objects.select_for_update().get(pk=notice.pk)
    require_estate(actor, notice.estate_id)
    if notice.status == Notice.Status.WITHDRAWN:
        raise DomainError(_("A withdrawn notice can no longer be edited."), code="notice_withdrawn")
    notice.title = clean_text(title, message=_("Enter a title."), code="title_required", max_length=200)
    notice.body = clean_text(
        body, message=_("Enter the notice's text."), code="body_required", max_length=5000
    )
    _clean_dates(start_date, end_date)
    notice.start_date, notice.end_date = start_date, end_date
    if notice.status == Notice.Status.DRAFT:
        notice.is_urgent = is_urgent
        notice.buildings.set(clean_targets(estate=notice.estate, buildings=buildings))
    notice.save(update_fields=["title", "body", "start_date", "end_date", "is_urgent"])
    NoticeEvent.objects.create(
        notice=notice,
        action="edit",
        from_status=notice.status,
        to_status=notice.status,
        actor=actor,
        created_at=now,
    )
    return notice


@transaction.atomic
def publish_notice(*, notice: Notice, actor, note: str = "", now: datetime | None = None) -> Notice:
    """Show the notice to the residents of its buildings; an urgent one also goes out by SMS,
    once per person, after commit (the sweep sends it if the queued task is lost)."""
    now = now or timezone.now()
    notice = Notice.objects.select_for_update().select_related("estate").get(pk=notice.pk)
    NOTICE.check(notice, "publish", actor, now=now)
    require_estate(actor, notice.estate_id)
    if notice.end_date < timezone.localdate(now):
        raise DomainError(
            _("This notice's end date has passed: change the dates first."), code="notice_ended"
        )
    buildings = list(notice.buildings.all())
    if any(b.estate_id != notice.estate_id for b in buildings):
        raise DomainError(_("Choose buildings of the notice's estate only."), code="building_not_in_estate")
    if not buildings and not Building.objects.filter(estate_id=notice.estate_id).exists():
        raise DomainError(
            _("The estate has no buildings yet: there is nobody to publish the notice to."),
            code="no_buildings",
        )
    NOTICE.transition(notice, "publish", actor=actor, note=note, now=now, fields={"published_at": now})
    if notice.is_urgent:
        from servicecenter.tasking import enqueue_after_commit

        enqueue_after_commit(SMS_TASK, notice_id=notice.pk)
    return notice


@transaction.atomic
def withdraw_notice(*, notice: Notice, actor, note: str = "", now: datetime | None = None) -> Notice:
    """Take a published notice off the portal (it is no longer true, or was wrong)."""
    now = now or timezone.now()
    notice = Notice.objects.select_for_update().get(pk=notice.pk)
    NOTICE.check(notice, "withdraw", actor, now=now)
    require_estate(actor, notice.estate_id)
    NOTICE.transition(notice, "withdraw", actor=actor, note=note, now=now, fields={"withdrawn_at": now})
    return notice


def record_notice_read(*, notice: Notice, user, now: datetime | None = None) -> bool:
    """The user opened the notice (a notice they may see): True the first time, later opens
    change nothing, so each reader counts once."""
    if notice.status != Notice.Status.PUBLISHED:
        return False
    try:
        with transaction.atomic():
            NoticeRead.objects.create(notice=notice, user=user, read_at=now or timezone.now())
    except IntegrityError:
        return False
    return True


def send_notice_sms(*, notice_id: int, now: datetime | None = None) -> int:
    """Notify the targeted residents of an urgent published notice by SMS: once per person
    (notify's dedupe key), however often the task runs. Returns how many were notified now."""
    from staff.services import notify

    now = now or timezone.now()
    with transaction.atomic():
        notice = Notice.objects.select_for_update().select_related("estate").filter(pk=notice_id).first()
        if (
            notice is None
            or not notice.is_urgent
            or notice.status != Notice.Status.PUBLISHED
            or notice.sms_sent_at is not None
        ):
            return 0
        sent = notify(
            recipients=notice_recipient_users(notice, today=timezone.localdate(now)),
            kind="relations_notice",
            title=_("Urgent notice: %(title)s") % {"title": notice.title},
            body=notice.body[:300],
            url=reverse("portal:notice_detail", args=[notice.pk]),
            estate=notice.estate,
            channels=("sms",),
            dedupe_key=f"relations:notice:{notice.pk}",
            now=now,
        )
        notice.sms_sent_at = now
        notice.save(update_fields=["sms_sent_at"])
    return len(sent)


def send_due_notice_sms(*, now: datetime | None = None) -> int:
    """The sweep: urgent published notices still showing whose SMS has not gone out."""
    now = now or timezone.now()
    due = Notice.objects.filter(
        status=Notice.Status.PUBLISHED,
        is_urgent=True,
        sms_sent_at__isnull=True,
        end_date__gte=timezone.localdate(now),
    ).values_list("pk", flat=True)
    return sum(send_notice_sms(notice_id=pk, now=now) for pk in list(due))
