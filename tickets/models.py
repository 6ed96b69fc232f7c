"""Tickets (报事报修、投诉): requests of every kind, from registration to the callback (回访).

A ticket is registered by any channel, dispatched to the team its category names, worked through
one state machine (`tickets.services.ALLOWED`), measured against an SLA per category × priority,
and called back when resolved. Every change is a `TicketEvent`: the ticket's timeline.
"""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.db import models
from django.db.models import F, Q, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from residents.models import resident_unit_ids
from servicecenter.scoping import ScopedQuerySet, access_for
from servicecenter.validators import mask_mobile
from staff.models import Team


class Priority(models.TextChoices):
    EMERGENCY = "emergency", pgettext_lazy("ticket priority", "Emergency")
    URGENT = "urgent", pgettext_lazy("ticket priority", "Urgent")
    NORMAL = "normal", pgettext_lazy("ticket priority", "Normal")
    LOW = "low", pgettext_lazy("ticket priority", "Low")


class TicketCategory(models.Model):
    """What a request is about. Names the kind of team that does the work (not a team row, so one
    category list serves every estate) and carries an SLA per priority (`SlaTarget`)."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    # Seeded names are English msgids translated on display; names typed in the admin show as typed.
    name = models.CharField(_("name"), max_length=100)
    team_kind = models.CharField(_("responsible team"), max_length=20, choices=Team.Kind.choices)
    default_priority = models.CharField(
        _("default priority"), max_length=10, choices=Priority.choices, default=Priority.NORMAL
    )
    is_callback_mandatory = models.BooleanField(
        _("callback mandatory"),
        default=False,
        help_text=_("Every resolved ticket of this category is called back, whatever the sampling share."),
    )
    # The ticket kinds the category is offered for (stored values of Ticket.Kind); empty: every
    # kind. The desk form lists only the chosen kind's categories and the service refuses others.
    kinds = models.JSONField(
        _("ticket types"),
        default=list,
        blank=True,
        help_text=_("The types of request this category is offered for; empty for every type."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    sort_order = models.PositiveSmallIntegerField(_("order"), default=100)

    class Meta:
        verbose_name = _("ticket category")
        verbose_name_plural = _("ticket categories")
        ordering = ["sort_order", "code"]

    def __str__(self) -> str:
        return gettext(self.name)

    def is_for_kind(self, kind: str) -> bool:
        return not self.kinds or kind in self.kinds


class SlaTarget(models.Model):
    """The promise for one category at one priority: minutes to the first response and to resolution."""

    category = models.ForeignKey(
        TicketCategory, on_delete=models.CASCADE, related_name="sla_targets", verbose_name=_("category")
    )
    priority = models.CharField(_("priority"), max_length=10, choices=Priority.choices)
    response_minutes = models.PositiveIntegerField(_("response within (minutes)"))
    resolution_minutes = models.PositiveIntegerField(_("resolution within (minutes)"))

    class Meta:
        verbose_name = _("SLA target")
        verbose_name_plural = _("SLA targets")
        ordering = ["category_id", "priority"]
        constraints = [
            models.UniqueConstraint(fields=["category", "priority"], name="sla_target_once_per_priority"),
            models.CheckConstraint(
                condition=Q(response_minutes__gt=0) & Q(resolution_minutes__gte=F("response_minutes")),
                name="sla_target_resolution_after_response",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.category} · {self.get_priority_display()}"


class TicketPolicy(models.Model):
    """Callback, complaint and escalation knobs. One row without an estate holds the company
    defaults; an estate may have its own row that replaces them."""

    estate = models.OneToOneField(
        "residents.Estate",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="ticket_policy",
        verbose_name=_("estate"),
        help_text=_("Leave empty for the company-wide defaults."),
    )
    complaint_reply_hours = models.PositiveSmallIntegerField(
        _("complaints answered within (hours)"), default=72
    )
    warning_lead_minutes = models.PositiveIntegerField(
        _("warn the assignee this many minutes before a deadline"),
        default=60,
        help_text=_(
            "Never more than a quarter of the time allowed, so short deadlines are not warned at once."
        ),
    )
    callback_delay_hours = models.PositiveSmallIntegerField(
        _("callback after resolution (hours)"), default=24
    )
    callback_share_percent = models.PositiveSmallIntegerField(
        _("share of other tickets called back (%)"),
        default=100,
        help_text=_("Complaints and categories with a mandatory callback are always called back."),
    )
    callback_max_attempts = models.PositiveSmallIntegerField(
        _("callback attempts before 'unreachable'"), default=3
    )
    callback_retry_hours = models.PositiveSmallIntegerField(_("hours between callback attempts"), default=4)
    auto_close_days = models.PositiveSmallIntegerField(
        _("close resolved tickets without a callback after (days)"), default=7
    )
    sample_share_percent = models.PositiveSmallIntegerField(
        _("monthly callback re-check sample (%)"), default=10
    )
    sample_minimum = models.PositiveSmallIntegerField(_("monthly callback re-check: at least"), default=5)

    class Meta:
        verbose_name = _("ticket policy")
        verbose_name_plural = _("ticket policies")
        constraints = [
            # One company-wide row: NULL estates would not collide under a plain unique constraint.
            models.UniqueConstraint(Coalesce(F("estate"), Value(0)), name="ticket_policy_one_per_estate"),
            models.CheckConstraint(
                condition=Q(callback_share_percent__lte=100), name="ticket_policy_share_le_100"
            ),
            models.CheckConstraint(
                condition=Q(sample_share_percent__lte=100), name="ticket_policy_sample_le_100"
            ),
            models.CheckConstraint(
                condition=Q(callback_max_attempts__gte=1), name="ticket_policy_attempts_ge_1"
            ),
        ]

    def __str__(self) -> str:
        return str(self.estate) if self.estate_id else gettext("Company-wide defaults")


class PublicLocationQuerySet(ScopedQuerySet):
    def active(self):
        return self.filter(is_active=True)

    def for_resident(self, user):
        """Residents pick from their own estates' places when they report a public-area problem."""
        return self.filter(estate__units__in=resident_unit_ids(user)).distinct()


class PublicLocation(models.Model):
    """A named public place of an estate (lobby of building 3, car park B1, north gate). Tickets
    about public areas point at one, so hotspots and repeat repairs can be counted by place."""

    estate = models.ForeignKey(
        "residents.Estate",
        on_delete=models.PROTECT,
        related_name="public_locations",
        verbose_name=_("estate"),
    )
    building = models.ForeignKey(
        "residents.Building",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="public_locations",
        verbose_name=_("building"),
        help_text=_("Empty for places outside any building (gates, gardens, car parks)."),
    )
    name = models.CharField(_("name"), max_length=100)
    sort_order = models.PositiveSmallIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("in use"), default=True)

    objects = PublicLocationQuerySet.as_manager()

    class Meta:
        verbose_name = _("public location")
        verbose_name_plural = _("public locations")
        ordering = ["estate_id", "sort_order", "name"]
        constraints = [
            models.UniqueConstraint(fields=["estate", "name"], name="public_location_name_unique_per_estate")
        ]

    def __str__(self) -> str:
        return self.name


class RootCause(models.Model):
    """Why a complaint happened, chosen when it is closed (投诉原因分析). One company-wide list so
    estates can be compared; retired causes stay for history but are no longer offered."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100)
    sort_order = models.PositiveSmallIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("in use"), default=True)

    class Meta:
        verbose_name = _("root cause")
        verbose_name_plural = _("root causes")
        ordering = ["sort_order", "code"]

    def __str__(self) -> str:
        # Seeded names are English msgids (tickets/defaults.py); names typed in the admin show as typed.
        return gettext(self.name)


class ReplyChannel(models.TextChoices):
    """How a reply reached the reporter. Only these count for the 72-hour complaint rule."""

    PHONE = "phone", pgettext_lazy("reply channel", "Phone call")
    SMS = "sms", pgettext_lazy("reply channel", "SMS")
    PORTAL = "portal", pgettext_lazy("reply channel", "Portal message")
    IN_PERSON = "in_person", pgettext_lazy("reply channel", "In person")
    LETTER = "letter", pgettext_lazy("reply channel", "Letter")


class TicketCounter(models.Model):
    """The last sequence number used per estate and day; bumped by one atomic upsert."""

    estate = models.ForeignKey("residents.Estate", on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    last_number = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["estate", "day"], name="ticket_counter_once_per_day")]

    def __str__(self) -> str:
        return f"{self.estate_id}:{self.day}:{self.last_number}"


class TicketQuerySet(ScopedQuerySet):
    def visible_to(self, user) -> TicketQuerySet:
        qs = super().visible_to(user)
        access = access_for(user)
        if access.is_staff_member and not user.has_perm("tickets.view_all_tickets"):
            # Technicians see the work of their own team and what is assigned to them.
            from staff.models import StaffProfile

            team_ids = StaffProfile.objects.filter(user=user, team__isnull=False).values("team_id")
            qs = qs.filter(Q(team_id__in=team_ids) | Q(assignee=user))
        return qs

    def for_resident(self, user) -> TicketQuerySet:
        return self.filter(unit__in=resident_unit_ids(user))

    def active(self) -> TicketQuerySet:
        """Work whose SLA clock is running (on hold stops the clock)."""
        return self.filter(status__in=Ticket.CLOCK_RUNNING)

    def open(self) -> TicketQuerySet:
        return self.filter(status__in=Ticket.OPEN)

    def overdue(self, now: datetime | None = None) -> TicketQuerySet:
        """Past a due time while the SLA clock runs: the same rule as `Ticket.is_overdue`."""
        now = now or timezone.now()
        return self.active().filter(
            Q(resolution_due_at__lt=now) | Q(first_responded_at__isnull=True, response_due_at__lt=now)
        )


# The states in which the SLA clock runs (Ticket.CLOCK_RUNNING), spelled out for the partial
# indexes in Ticket.Meta, which cannot see the class body.
_CLOCK_RUNNING = ("new", "assigned", "in_progress", "reopened")
_OPEN = (*_CLOCK_RUNNING, "on_hold")
_AUTHORITY_CHANNELS = ("hotline_12345", "authority")


class Ticket(models.Model):
    class Kind(models.TextChoices):
        REPAIR = "repair", pgettext_lazy("ticket kind", "Repair")
        COMPLAINT = "complaint", pgettext_lazy("ticket kind", "Complaint")
        INQUIRY = "inquiry", pgettext_lazy("ticket kind", "Inquiry")
        REPORT = "report", pgettext_lazy("ticket kind", "Report")
        SUGGESTION = "suggestion", pgettext_lazy("ticket kind", "Suggestion")
        PRAISE = "praise", pgettext_lazy("ticket kind", "Praise")

    class Channel(models.TextChoices):
        WALK_IN = "walk_in", _("Walk-in")
        PHONE = "phone", _("Phone")
        LETTER = "letter", _("Letter")
        SUGGESTION_BOX = "suggestion_box", _("Suggestion box")
        PORTAL = "portal", _("Resident portal")
        STAFF_RELAY = "staff_relay", _("Passed on by staff")
        PATROL = "patrol", _("Patrol")
        # Requests passed on by a government body: they carry its reference number and the date
        # by which it wants the answer (authority_reference, reply_deadline_at).
        HOTLINE_12345 = "hotline_12345", _("12345 hotline")
        AUTHORITY = "authority", _("Authority")

    class Status(models.TextChoices):
        NEW = "new", pgettext_lazy("ticket status", "New")
        ASSIGNED = "assigned", pgettext_lazy("ticket status", "Assigned")
        IN_PROGRESS = "in_progress", pgettext_lazy("ticket status", "In progress")
        ON_HOLD = "on_hold", pgettext_lazy("ticket status", "On hold")
        RESOLVED = "resolved", pgettext_lazy("ticket status", "Resolved")
        REOPENED = "reopened", pgettext_lazy("ticket status", "Reopened")
        CLOSED = "closed", pgettext_lazy("ticket status", "Closed")
        CANCELLED = "cancelled", pgettext_lazy("ticket status", "Cancelled")

    Priority = Priority

    CLOCK_RUNNING = (Status.NEW, Status.ASSIGNED, Status.IN_PROGRESS, Status.REOPENED)
    OPEN = (*CLOCK_RUNNING, Status.ON_HOLD)
    FINISHED = (Status.RESOLVED, Status.CLOSED)
    AUTHORITY_CHANNELS = (Channel.HOTLINE_12345, Channel.AUTHORITY)

    estate = models.ForeignKey(
        "residents.Estate", on_delete=models.PROTECT, related_name="tickets", verbose_name=_("estate")
    )
    number = models.CharField(_("number"), max_length=40, editable=False)
    kind = models.CharField(_("type"), max_length=12, choices=Kind.choices, default=Kind.REPAIR)
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices, default=Channel.PHONE)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.NEW)
    priority = models.CharField(
        _("priority"), max_length=10, choices=Priority.choices, default=Priority.NORMAL
    )
    category = models.ForeignKey(
        TicketCategory, on_delete=models.PROTECT, related_name="tickets", verbose_name=_("category")
    )
    unit = models.ForeignKey(
        "residents.Unit",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="tickets",
        verbose_name=_("unit"),
    )
    public_location = models.ForeignKey(
        PublicLocation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="tickets",
        verbose_name=_("public location"),
    )
    location = models.CharField(
        _("location detail"),
        max_length=200,
        blank=True,
        help_text=_("Where exactly, in the unit or the place."),
    )
    reporter = models.ForeignKey(
        "residents.Person",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="tickets",
        verbose_name=_("reported by"),
    )
    reporter_name = models.CharField(_("reporter's name"), max_length=100, blank=True)
    reporter_phone = models.CharField(_("reporter's phone"), max_length=20, blank=True)
    description = models.TextField(_("description"))
    is_paid_service = models.BooleanField(_("paid service"), default=False)
    service_price = models.DecimalField(_("price"), max_digits=12, decimal_places=2, null=True, blank=True)
    is_major = models.BooleanField(_("major complaint"), default=False)
    authority_reference = models.CharField(
        _("authority's reference"),
        max_length=60,
        blank=True,
        help_text=_("The case number of the 12345 hotline or the authority that passed it on."),
    )
    reply_deadline_at = models.DateTimeField(
        _("authority's reply deadline"),
        null=True,
        blank=True,
        help_text=_("When the authority expects the answer; it shortens the resolution deadline."),
    )

    team = models.ForeignKey(
        "staff.Team",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="tickets",
        verbose_name=_("team"),
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="assigned_tickets",
        verbose_name=_("assignee"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="registered_tickets",
        verbose_name=_("registered by"),
    )
    created_at = models.DateTimeField(_("registered at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    # SLA: the minutes allowed are copied at registration so that later policy edits never move
    # an existing promise. Deadlines move only by time spent on hold.
    response_minutes = models.PositiveIntegerField(_("response within (minutes)"))
    resolution_minutes = models.PositiveIntegerField(_("resolution within (minutes)"))
    response_due_at = models.DateTimeField(_("response due"))
    resolution_due_at = models.DateTimeField(_("resolution due"))
    response_warn_at = models.DateTimeField(_("response warning at"))
    resolution_warn_at = models.DateTimeField(_("resolution warning at"))
    first_responded_at = models.DateTimeField(_("first response at"), null=True, blank=True)
    # Timeliness (处理及时率) is judged once, on the first resolution against the deadline then in
    # force: a reopen gives the team a new deadline to work to, not a second chance at the KPI.
    first_resolved_at = models.DateTimeField(_("first resolved at"), null=True, blank=True)
    first_resolution_due_at = models.DateTimeField(
        _("resolution due at first resolution"), null=True, blank=True
    )
    # A complaint is answered only by a reply that reached the complainant (a `replied` event), not
    # by internal work such as starting or holding the ticket.
    first_replied_at = models.DateTimeField(_("first reply to the reporter at"), null=True, blank=True)
    on_hold_since = models.DateTimeField(_("on hold since"), null=True, blank=True)
    on_hold_minutes = models.PositiveIntegerField(_("minutes on hold"), default=0)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    reopen_count = models.PositiveSmallIntegerField(_("times reopened"), default=0)
    resolution_note = models.TextField(_("resolution"), blank=True)
    cancel_reason = models.CharField(_("reason for cancelling"), max_length=300, blank=True)
    root_cause = models.ForeignKey(
        RootCause,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="tickets",
        verbose_name=_("root cause"),
    )
    is_unreachable = models.BooleanField(
        _("closed unreachable"),
        default=False,
        help_text=_("Closed after the callback attempts found nobody."),
    )
    # Here, not on the incident: staff sits below tickets and may not know them.
    incidents = models.ManyToManyField(
        "staff.Incident", blank=True, related_name="tickets", verbose_name=_("incidents")
    )

    objects = TicketQuerySet.as_manager()

    # Not a column: `register_ticket` sets it on the ticket it returns when a retried request
    # (same idempotency key) found the ticket that the first request created.
    is_replay = False

    class Meta:
        verbose_name = _("ticket")
        verbose_name_plural = _("tickets")
        ordering = ["-created_at"]
        permissions = [
            ("view_all_tickets", _("Can see every ticket of their estates, not only their team's")),
            ("assign_ticket", _("Can dispatch tickets to teams and people")),
            ("work_ticket", _("Can start, hold, resume and resolve tickets")),
            ("cancel_ticket", _("Can cancel tickets")),
            ("reopen_ticket", _("Can reopen resolved tickets")),
            ("close_ticket", _("Can close resolved tickets")),
            ("flag_major", _("Can mark a complaint as major")),
            ("view_ticket_metrics", _("Can see ticket KPIs")),
            ("reply_ticket", _("Can record replies that reached the reporter")),
        ]
        constraints = [
            models.UniqueConstraint(fields=["estate", "number"], name="ticket_number_unique_per_estate"),
            models.CheckConstraint(
                condition=Q(unit__isnull=False) | Q(public_location__isnull=False) | ~Q(location=""),
                name="ticket_has_unit_or_location",
            ),
            models.CheckConstraint(
                condition=~Q(channel__in=_AUTHORITY_CHANNELS) | ~Q(authority_reference=""),
                name="ticket_authority_channel_has_reference",
            ),
            models.CheckConstraint(
                condition=Q(is_paid_service=False) | Q(service_price__isnull=False, service_price__gte=0),
                name="ticket_paid_service_has_price",
            ),
            models.CheckConstraint(
                condition=Q(status="on_hold", on_hold_since__isnull=False)
                | (~Q(status="on_hold") & Q(on_hold_since__isnull=True)),
                name="ticket_on_hold_since_iff_on_hold",
            ),
        ]
        indexes = [
            models.Index(fields=["estate", "-created_at"], name="ticket_estate_recent_idx"),
            models.Index(fields=["estate", "status", "-created_at"], name="ticket_estate_status_idx"),
            models.Index(fields=["team", "status", "-created_at"], name="ticket_team_status_idx"),
            models.Index(fields=["assignee", "status", "-created_at"], name="ticket_assignee_status_idx"),
            models.Index(fields=["unit", "-created_at"], name="ticket_unit_recent_idx"),
            models.Index(fields=["-created_at"], name="ticket_recent_idx"),
            # Deadlines matter only while the clock runs: partial indexes hold the few thousand open
            # tickets, not the hundreds of thousands finished, for the overdue view and the sweeps.
            models.Index(
                fields=["resolution_due_at"],
                condition=Q(status__in=_CLOCK_RUNNING),
                name="ticket_open_resolution_due_idx",
            ),
            models.Index(
                fields=["response_due_at"],
                condition=Q(status__in=_CLOCK_RUNNING, first_responded_at__isnull=True),
                name="ticket_unanswered_due_idx",
            ),
            models.Index(
                fields=["resolution_warn_at"],
                condition=Q(status__in=_CLOCK_RUNNING),
                name="ticket_open_warn_idx",
            ),
            models.Index(
                fields=["response_warn_at"],
                condition=Q(status__in=_CLOCK_RUNNING, first_responded_at__isnull=True),
                name="ticket_unanswered_warn_idx",
            ),
            models.Index(
                fields=["resolved_at"], condition=Q(status="resolved"), name="ticket_awaiting_close_idx"
            ),
            # "My work": a technician's open tickets and their team's unclaimed queue, by deadline.
            # Matching the filter and the order, the page reads its 30 + 15 cards off the index
            # instead of sorting everyone's open work (thousands of rows per person at full size).
            models.Index(
                fields=["assignee", "resolution_due_at"],
                condition=Q(status__in=_OPEN),
                name="ticket_my_open_work_idx",
            ),
            models.Index(
                fields=["team", "resolution_due_at"],
                condition=Q(status__in=_CLOCK_RUNNING, assignee__isnull=True),
                name="ticket_team_queue_idx",
            ),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def reporter_display_name(self) -> str:
        return self.reporter.name if self.reporter_id else self.reporter_name

    @property
    def reporter_phone_masked(self) -> str:
        return self.reporter.mobile_masked if self.reporter_id else mask_mobile(self.reporter_phone)

    @property
    def place(self) -> str:
        where = (
            self.unit.code if self.unit_id else (self.public_location.name if self.public_location_id else "")
        )
        return " · ".join(part for part in (where, self.location) if part)

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN

    def is_overdue(self, now: datetime | None = None) -> bool:
        """Past a due time while the SLA clock runs: the same rule as `TicketQuerySet.overdue`."""
        if self.status not in self.CLOCK_RUNNING:
            return False
        now = now or timezone.now()
        return self.resolution_due_at < now or (
            self.first_responded_at is None and self.response_due_at < now
        )


class TicketRequestKey(models.Model):
    """The idempotency key of one registration request (a form's hidden token, the API's
    `Idempotency-Key` header). A client that retries after a timeout, or a double click, gets the
    first ticket back instead of a second one; the key reused by someone else or for other details
    is refused. The unique constraint is what holds under concurrency: the second insert waits for
    the first transaction and then fails, and the service returns the winner's ticket."""

    estate = models.ForeignKey("residents.Estate", on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=100)
    fingerprint = models.CharField(max_length=64)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    ticket = models.OneToOneField(
        Ticket, on_delete=models.CASCADE, null=True, blank=True, related_name="request_key"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        # One key, one request, whatever the estate: the same key with a unit of another estate is
        # other details (a 409), not a second request.
        constraints = [models.UniqueConstraint(fields=["key"], name="ticket_request_key_unique")]

    def __str__(self) -> str:
        return self.key


class TicketEvent(models.Model):
    """One line of a ticket's timeline: a status change, an assignment, a comment, an escalation."""

    class Kind(models.TextChoices):
        CREATED = "created", pgettext_lazy("ticket event", "Registered")
        STATUS = "status", _("Status changed")
        ASSIGNED = "assigned", _("Assigned")
        COMMENT = "comment", _("Comment")
        ATTACHMENT = "attachment", _("File added")
        ESCALATION = "escalation", _("Escalated")
        CALLBACK = "callback", _("Callback")
        FLAGGED = "flagged", _("Marked major")
        REPLIED = "replied", _("Replied to the reporter")
        LINKED = "linked", _("Also reported by")

    ticket = models.ForeignKey(
        Ticket, on_delete=models.CASCADE, related_name="events", verbose_name=_("ticket")
    )
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("who"),
        help_text=_("Empty when the system did it."),
    )
    created_at = models.DateTimeField(_("when"), default=timezone.now)
    from_status = models.CharField(_("from"), max_length=12, choices=Ticket.Status.choices, blank=True)
    to_status = models.CharField(_("to"), max_length=12, choices=Ticket.Status.choices, blank=True)
    note = models.TextField(_("note"), blank=True)
    is_public = models.BooleanField(
        _("visible to the resident"), default=False, help_text=_("Internal notes are seen only by staff.")
    )
    channel = models.CharField(_("reply channel"), max_length=10, choices=ReplyChannel.choices, blank=True)

    class QuerySet(ScopedQuerySet):
        estate_lookup = "ticket__estate"

        def for_resident(self, user):
            return self.filter(ticket__unit__in=resident_unit_ids(user), is_public=True)

    objects = QuerySet.as_manager()

    class Meta:
        verbose_name = _("ticket event")
        verbose_name_plural = _("ticket events")
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["ticket", "created_at"], name="ticket_event_timeline_idx")]

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.get_kind_display()}"


def attachment_upload_path(instance: TicketAttachment, filename: str) -> str:
    suffix = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    now = timezone.now()
    return f"tickets/{instance.ticket.estate_id}/{now:%Y/%m}/{now:%d%H%M%S%f}.{suffix[:8]}"


class TicketAttachment(models.Model):
    ticket = models.ForeignKey(
        Ticket, on_delete=models.CASCADE, related_name="attachments", verbose_name=_("ticket")
    )
    file = models.FileField(_("file"), upload_to=attachment_upload_path)
    original_name = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(_("content type"), max_length=100)
    size = models.PositiveIntegerField(_("size (bytes)"))
    is_internal = models.BooleanField(_("staff only"), default=False)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("uploaded by")
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), default=timezone.now)

    class QuerySet(ScopedQuerySet):
        estate_lookup = "ticket__estate"

        def for_resident(self, user):
            return self.filter(ticket__unit__in=resident_unit_ids(user), is_internal=False)

    objects = QuerySet.as_manager()

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["uploaded_at", "pk"]

    def __str__(self) -> str:
        return self.original_name

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")


class Escalation(models.Model):
    """A warning or escalation that has been sent. The unique constraint is what makes each one
    happen once, even when two sweeps run at the same time."""

    class Kind(models.TextChoices):
        RESPONSE_WARNING = "response_warning", _("Response deadline approaching")
        RESOLUTION_WARNING = "resolution_warning", _("Resolution deadline approaching")
        RESPONSE_BREACH = "response_breach", _("Response deadline missed")
        RESOLUTION_BREACH = "resolution_breach", _("Resolution deadline missed")
        COMPLAINT_OVERDUE = "complaint_overdue", _("Complaint not answered in time")
        MAJOR_COMPLAINT = "major_complaint", _("Major complaint")

    TO_MANAGER = (Kind.COMPLAINT_OVERDUE, Kind.MAJOR_COMPLAINT)
    TO_SUPERVISOR = (Kind.RESPONSE_BREACH, Kind.RESOLUTION_BREACH)

    ticket = models.ForeignKey(
        Ticket, on_delete=models.CASCADE, related_name="escalations", verbose_name=_("ticket")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    # A reopened ticket has a new resolution deadline: its warnings may happen once more.
    round = models.PositiveSmallIntegerField(_("round"), default=0)
    created_at = models.DateTimeField(_("when"), default=timezone.now)
    notified = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="+", blank=True, verbose_name=_("notified")
    )

    class QuerySet(ScopedQuerySet):
        estate_lookup = "ticket__estate"

    objects = QuerySet.as_manager()

    class Meta:
        verbose_name = _("escalation")
        verbose_name_plural = _("escalations")
        ordering = ["created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["ticket", "kind", "round"], name="escalation_once_per_ticket_round"
            )
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.get_kind_display()}"


class CallbackQuerySet(ScopedQuerySet):
    def for_resident(self, user):
        return self.filter(ticket__unit__in=resident_unit_ids(user))

    def pending(self):
        return self.filter(status=Callback.Status.PENDING)

    def due(self, now=None):
        return self.pending().filter(next_attempt_at__lte=now or timezone.now())


class Callback(models.Model):
    """The call back to the resident (回访) after a ticket is resolved: reached or not, how
    satisfied, and whether the problem is really solved."""

    class Status(models.TextChoices):
        PENDING = "pending", pgettext_lazy("callback status", "Pending")
        COMPLETED = "completed", pgettext_lazy("callback status", "Completed")
        UNREACHABLE = "unreachable", pgettext_lazy("callback status", "Unreachable")
        CANCELLED = "cancelled", pgettext_lazy("callback status", "Cancelled")

    class Method(models.TextChoices):
        PHONE = "phone", _("Phone")
        VISIT = "visit", _("Visit")
        PORTAL = "portal", _("Rated in the portal")

    ticket = models.ForeignKey(
        Ticket, on_delete=models.CASCADE, related_name="callbacks", verbose_name=_("ticket")
    )
    # Empty: the callback to the ticket's own reporter, whose outcome closes or reopens the ticket.
    # Set: the call to one co-reporter, which records what they say and moves nothing.
    co_reporter = models.ForeignKey(
        "tickets.TicketCoReporter",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="callbacks",
        verbose_name=_("co-reporter"),
    )
    estate = models.ForeignKey(
        "residents.Estate", on_delete=models.PROTECT, related_name="+", verbose_name=_("estate")
    )
    round = models.PositiveSmallIntegerField(_("round"), default=0)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.PENDING)
    is_mandatory = models.BooleanField(_("mandatory"), default=False)
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="callbacks",
        verbose_name=_("called by"),
    )
    team = models.ForeignKey(
        "staff.Team",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="callbacks",
        verbose_name=_("team"),
    )
    due_at = models.DateTimeField(_("due"))
    next_attempt_at = models.DateTimeField(_("next attempt"))
    attempt_count = models.PositiveSmallIntegerField(_("attempts"), default=0)
    method = models.CharField(_("method"), max_length=10, choices=Method.choices, default=Method.PHONE)
    reached = models.BooleanField(_("reached"), null=True, blank=True)
    satisfaction = models.PositiveSmallIntegerField(_("satisfaction (1–5)"), null=True, blank=True)
    is_solved = models.BooleanField(_("solved"), null=True, blank=True)
    comment = models.TextField(_("comment"), blank=True)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    objects = CallbackQuerySet.as_manager()

    class Meta:
        verbose_name = _("callback")
        verbose_name_plural = _("callbacks")
        ordering = ["next_attempt_at", "pk"]
        permissions = [
            ("record_callback", _("Can record callback outcomes")),
            ("review_callback", _("Can re-check sampled callbacks")),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["ticket", "round"],
                condition=Q(co_reporter__isnull=True),
                name="callback_once_per_resolution",
            ),
            models.UniqueConstraint(
                fields=["ticket", "round", "co_reporter"],
                condition=Q(co_reporter__isnull=False),
                name="callback_once_per_co_reporter_resolution",
            ),
            models.CheckConstraint(
                condition=Q(satisfaction__isnull=True) | Q(satisfaction__gte=1, satisfaction__lte=5),
                name="callback_satisfaction_1_to_5",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="callback_due_idx"),
            models.Index(fields=["assigned_to", "status", "next_attempt_at"], name="callback_mine_idx"),
            models.Index(fields=["estate", "status", "completed_at"], name="callback_completed_idx"),
            # The callback list (API) of one estate in its default order, without a status filter.
            models.Index(fields=["estate", "next_attempt_at", "id"], name="callback_estate_next_idx"),
        ]

    def __str__(self) -> str:
        return gettext("Callback for %(number)s") % {"number": self.ticket.number}

    def is_overdue(self, now: datetime | None = None) -> bool:
        return self.status == self.Status.PENDING and self.next_attempt_at < (now or timezone.now())


class CallbackAttempt(models.Model):
    callback = models.ForeignKey(
        Callback, on_delete=models.CASCADE, related_name="attempts", verbose_name=_("callback")
    )
    number = models.PositiveSmallIntegerField(_("attempt"))
    attempted_at = models.DateTimeField(_("when"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("who"),
    )
    reached = models.BooleanField(_("reached"))
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("callback attempt")
        verbose_name_plural = _("callback attempts")
        ordering = ["callback_id", "number"]
        constraints = [
            models.UniqueConstraint(fields=["callback", "number"], name="callback_attempt_number_unique")
        ]

    def __str__(self) -> str:
        return f"{self.callback_id} #{self.number}"


class CallbackReminder(models.Model):
    """That the owner of a callback was reminded for one attempt (so the sweep reminds once)."""

    callback = models.ForeignKey(Callback, on_delete=models.CASCADE, related_name="reminders")
    attempt = models.PositiveSmallIntegerField()
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["callback", "attempt"], name="callback_reminder_once")]

    def __str__(self) -> str:
        return f"{self.callback_id} #{self.attempt}"


class CallbackSample(models.Model):
    """The manager's monthly re-check of a random sample of last month's callbacks (回访抽查)."""

    estate = models.ForeignKey(
        "residents.Estate", on_delete=models.PROTECT, related_name="+", verbose_name=_("estate")
    )
    month = models.DateField(_("month"), help_text=_("First day of the month sampled."))
    population = models.PositiveIntegerField(_("callbacks that month"))
    created_at = models.DateTimeField(_("drawn at"), default=timezone.now)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("callback sample")
        verbose_name_plural = _("callback samples")
        ordering = ["-month", "estate_id"]
        constraints = [
            models.UniqueConstraint(fields=["estate", "month"], name="callback_sample_once_per_month")
        ]

    def __str__(self) -> str:
        return f"{self.estate} {self.month:%Y-%m}"


class CallbackReview(models.Model):
    class Result(models.TextChoices):
        CONFIRMED = "confirmed", _("Confirmed: the callback is accurate")
        DISPUTED = "disputed", _("Disputed: the resident's account differs")
        UNREACHABLE = "unreachable", _("Could not reach the resident")

    sample = models.ForeignKey(
        CallbackSample, on_delete=models.CASCADE, related_name="reviews", verbose_name=_("sample")
    )
    callback = models.OneToOneField(
        Callback, on_delete=models.CASCADE, related_name="review", verbose_name=_("callback")
    )
    result = models.CharField(_("result"), max_length=12, choices=Result.choices, blank=True)
    note = models.TextField(_("note"), blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("re-checked by"),
    )
    reviewed_at = models.DateTimeField(_("re-checked at"), null=True, blank=True)

    class QuerySet(ScopedQuerySet):
        estate_lookup = "sample__estate"

    objects = QuerySet.as_manager()

    class Meta:
        verbose_name = _("callback re-check")
        verbose_name_plural = _("callback re-checks")
        ordering = ["sample_id", "pk"]

    def __str__(self) -> str:
        return f"{self.sample} · {self.callback_id}"

    @property
    def matches_original(self) -> bool | None:
        """Does the re-check bear out the original callback? True or False once re-checked; None
        before, or when the manager could not reach a resident whom the callback had reached
        (nothing learnt). For a callback closed unreachable, "confirmed" and "could not reach"
        both bear it out; "disputed" means the resident was reachable after all."""
        if self.reviewed_at is None:
            return None
        if self.result == self.Result.DISPUTED:
            return False
        if self.result == self.Result.CONFIRMED:
            return True
        return True if self.callback.status == Callback.Status.UNREACHABLE else None


class SuggestionModel(models.Model):
    """The intake suggester learnt from one estate's finished tickets (`tickets.suggestions`),
    kept in the database so that every web process answers from the same model. Replaced whole by
    each nightly training; `trained_at` tells the processes' in-memory caches that it changed."""

    estate = models.OneToOneField(
        "residents.Estate",
        on_delete=models.CASCADE,
        related_name="suggestion_model",
        verbose_name=_("estate"),
    )
    trained_at = models.DateTimeField(_("trained at"))
    ticket_count = models.PositiveIntegerField(_("tickets learnt from"))
    category_count = models.PositiveSmallIntegerField(_("categories learnt"))
    # JSON compressed with zlib, not a pickle: loading it can never run code.
    payload = models.BinaryField(_("model"))

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("intake suggestion model")
        verbose_name_plural = _("intake suggestion models")

    def __str__(self) -> str:
        return f"{self.estate_id} · {self.trained_at:%Y-%m-%d %H:%M}"


class TicketCoReporter(models.Model):
    """Someone else who reported the same problem (a second caller about the same leak), linked
    to the open ticket instead of opening a second one. They get their own callback when the
    ticket's callback is drawn. The phone is kept like the ticket's reporter phone: digits only,
    shown masked, revealed for one logged call."""

    ticket = models.ForeignKey(
        Ticket, on_delete=models.CASCADE, related_name="co_reporters", verbose_name=_("ticket")
    )
    person = models.ForeignKey(
        "residents.Person",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("resident"),
    )
    name = models.CharField(_("name"), max_length=100, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    note = models.CharField(_("note"), max_length=500, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("linked by"),
    )
    created_at = models.DateTimeField(_("linked at"), default=timezone.now)
    # The link request's idempotency key: a resent form or a retried API call finds this row.
    request_key = models.CharField(max_length=100, blank=True)
    fingerprint = models.CharField(max_length=64, blank=True)

    class QuerySet(ScopedQuerySet):
        estate_lookup = "ticket__estate"

    objects = QuerySet.as_manager()

    class Meta:
        verbose_name = _("co-reporter")
        verbose_name_plural = _("co-reporters")
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["request_key"], condition=~Q(request_key=""), name="co_reporter_request_key_unique"
            ),
            models.CheckConstraint(
                condition=Q(person__isnull=False) | ~Q(name=""), name="co_reporter_has_person_or_name"
            ),
        ]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        return self.person.name if self.person_id else self.name

    @property
    def phone_masked(self) -> str:
        return self.person.mobile_masked if self.person_id else mask_mobile(self.phone)


class DeskPreference(models.Model):
    """What the desk form remembers per user: the type of the last ticket they registered, the
    form's starting type next time (a complaint desk should not pick "complaint" every time)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="desk_preference"
    )
    last_ticket_kind = models.CharField(max_length=12, choices=Ticket.Kind.choices, blank=True)

    class Meta:
        verbose_name = _("desk preference")
        verbose_name_plural = _("desk preferences")

    def __str__(self) -> str:
        return f"{self.user_id}: {self.last_ticket_kind}"


class TicketMetricsMonth(models.Model):
    """One estate's ticket KPIs of one calendar month as `tickets.selectors.ticket_metrics`
    (`by` empty) or `ticket_metrics_by` (`by` = team, assignee or zone) computed them, so that a
    month is not aggregated again on every read (issue #16). Written only by
    `tickets.services.metrics`. A row computed after its month ended is the month's figure (the
    nightly refresh recomputes the month just closed during its first days, and the rebuild
    command on demand); a row computed during its month is a snapshot, used while it is younger
    than `KPI_LIVE_MAX_AGE_SECONDS` and computed again afterwards. `figures` holds the
    selector's output (`TicketMetrics.as_dict`, or a list of rows with their `key`; the labels of
    teams, people and zones are read when shown, so a renamed team shows its new name)."""

    class By(models.TextChoices):
        ESTATE = "", _("The whole estate")
        TEAM = "team", _("Team")
        ASSIGNEE = "assignee", _("Assignee")
        ZONE = "zone", _("Zone")

    estate = models.ForeignKey(
        "residents.Estate", on_delete=models.CASCADE, related_name="+", verbose_name=_("estate")
    )
    month = models.DateField(_("month"), help_text=_("First day of the month."))
    by = models.CharField(_("grouped by"), max_length=16, choices=By.choices, blank=True)
    figures = models.JSONField(_("figures"), default=dict, editable=False)
    computed_at = models.DateTimeField(_("computed at"))

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("ticket KPIs of a month")
        verbose_name_plural = _("ticket KPIs of months")
        ordering = ["estate", "month", "by"]
        constraints = [
            models.UniqueConstraint(fields=["estate", "month", "by"], name="ticket_metrics_month_once")
        ]

    def __str__(self) -> str:
        return f"{self.estate_id} {self.month:%Y-%m} {self.by or '-'}"
