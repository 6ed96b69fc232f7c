"""Per-estate dispatch settings, the shift handover log (交接班) and attendance (考勤)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from servicecenter.scoping import ScopedQuerySet


class EstateStaffSettings(models.Model):
    """How an estate dispatches new tickets and how much lateness attendance forgives.

    Without a row an estate dispatches to the team only (the behaviour before rosters existed)."""

    class DispatchMode(models.TextChoices):
        TEAM_ONLY = "team_only", _("Team only")
        TEAM_AND_MEMBER = "team_and_member", _("Team and on-duty member")

    estate = models.OneToOneField(
        "residents.Estate", on_delete=models.CASCADE, related_name="staff_settings", verbose_name=_("estate")
    )
    dispatch_mode = models.CharField(
        _("dispatch"), max_length=20, choices=DispatchMode.choices, default=DispatchMode.TEAM_ONLY
    )
    late_grace_minutes = models.PositiveSmallIntegerField(
        _("grace before a clock-in counts as late (minutes)"), default=5
    )

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("estate staff settings")
        verbose_name_plural = _("estate staff settings")

    def __str__(self) -> str:
        return str(self.estate)


class ShiftHandover(models.Model):
    """What the outgoing shift leaves open, acknowledged once by someone of the incoming shift
    (the HANDOVER workflow in `staff.workflows`)."""

    class Status(models.TextChoices):
        OPEN = "open", pgettext_lazy("handover status", "Open")
        ACKNOWLEDGED = "acknowledged", pgettext_lazy("handover status", "Acknowledged")

    estate = models.ForeignKey(
        "residents.Estate", on_delete=models.PROTECT, related_name="shift_handovers", verbose_name=_("estate")
    )
    team = models.ForeignKey(
        "staff.Team", on_delete=models.PROTECT, related_name="handovers", verbose_name=_("team")
    )
    written_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("written by")
    )
    written_at = models.DateTimeField(_("written at"), db_index=True)
    keys = models.TextField(_("keys handed over"), blank=True)
    incidents = models.TextField(_("incidents"), blank=True)
    notes = models.TextField(_("notes"), blank=True)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.OPEN)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("acknowledged by"),
    )
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("shift handover")
        verbose_name_plural = _("shift handovers")
        ordering = ["-written_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(acknowledged_at__isnull=True, acknowledged_by__isnull=True)
                | Q(acknowledged_at__isnull=False, acknowledged_by__isnull=False),
                name="handover_acknowledged_by_and_at_together",
            ),
            models.CheckConstraint(
                condition=Q(status="open", acknowledged_at__isnull=True)
                | Q(status="acknowledged", acknowledged_at__isnull=False),
                name="handover_status_matches_acknowledgement",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.team} · {self.written_at:%Y-%m-%d %H:%M}"

    @property
    def is_acknowledged(self) -> bool:
        return self.acknowledged_at is not None


class HandoverEvent(models.Model):
    """One step of a handover's workflow: who, when, from which state to which, and a note."""

    handover = models.ForeignKey(
        ShiftHandover, on_delete=models.CASCADE, related_name="events", verbose_name=_("shift handover")
    )
    action = models.CharField(_("action"), max_length=40)
    from_status = models.CharField(_("from"), max_length=12, choices=ShiftHandover.Status.choices, blank=True)
    to_status = models.CharField(_("to"), max_length=12, choices=ShiftHandover.Status.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("who"),
    )
    note = models.TextField(_("note"), blank=True)
    created_at = models.DateTimeField(_("when"))

    class QuerySet(ScopedQuerySet):
        estate_lookup = "handover__estate"

    objects = QuerySet.as_manager()

    class Meta:
        verbose_name = _("shift handover event")
        verbose_name_plural = _("shift handover events")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.handover} {self.action}"


class HandoverTicket(models.Model):
    """An open ticket the outgoing shift hands over. Staff sits below tickets, so the ticket is
    kept by id with its number as it was then (the link is built by the page)."""

    handover = models.ForeignKey(ShiftHandover, on_delete=models.CASCADE, related_name="tickets")
    ticket_id = models.PositiveIntegerField(_("ticket"))
    ticket_number = models.CharField(_("ticket number"), max_length=40)
    summary = models.CharField(_("summary"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("handed-over ticket")
        verbose_name_plural = _("handed-over tickets")
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(fields=["handover", "ticket_id"], name="handover_ticket_once"),
        ]

    def __str__(self) -> str:
        return self.ticket_number


class AttendanceRecord(models.Model):
    """One clock-in (and its clock-out) of a staff member, against the rostered shift it falls in.

    Flags are decided when the times are recorded, from the shift as it was then; a clock-in
    with no rostered shift is kept and flagged, never refused. Absence has no row: it is a
    rostered shift that ended with no clock-in (`staff.selectors_attendance.absences`). The
    record is born clocked in and moves to clocked out (the ATTENDANCE workflow)."""

    class Status(models.TextChoices):
        CLOCKED_IN = "clocked_in", _("Clocked in")
        CLOCKED_OUT = "clocked_out", _("Clocked out")

    estate = models.ForeignKey(
        "residents.Estate", on_delete=models.PROTECT, related_name="attendance", verbose_name=_("estate")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="attendance",
        verbose_name=_("staff member"),
    )
    roster_entry = models.ForeignKey(
        "staff.RosterEntry",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="attendance",
        verbose_name=_("shift"),
    )
    shift_starts_at = models.DateTimeField(_("shift starts"), null=True, blank=True)
    shift_ends_at = models.DateTimeField(_("shift ends"), null=True, blank=True)
    clock_in_at = models.DateTimeField(_("clocked in at"), db_index=True)
    clock_out_at = models.DateTimeField(_("clocked out at"), null=True, blank=True)
    minutes_late = models.PositiveIntegerField(_("minutes late"), default=0)
    minutes_early = models.PositiveIntegerField(_("minutes left early"), default=0)
    is_late = models.BooleanField(_("late"), default=False)
    left_early = models.BooleanField(_("left early"), default=False)
    is_unrostered = models.BooleanField(_("no rostered shift"), default=False)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.CLOCKED_IN)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("attendance record")
        verbose_name_plural = _("attendance records")
        ordering = ["-clock_in_at", "-pk"]
        indexes = [models.Index(fields=["estate", "clock_in_at"], name="attendance_estate_day_idx")]
        constraints = [
            # One clock-in per shift: a second tap finds the first record.
            models.UniqueConstraint(
                fields=["roster_entry"],
                condition=Q(roster_entry__isnull=False),
                name="attendance_once_per_shift",
            ),
            models.CheckConstraint(
                condition=Q(clock_out_at__isnull=True) | Q(clock_out_at__gte=models.F("clock_in_at")),
                name="attendance_out_after_in",
            ),
            models.CheckConstraint(
                condition=Q(status="clocked_in", clock_out_at__isnull=True)
                | Q(status="clocked_out", clock_out_at__isnull=False),
                name="attendance_status_matches_clock_out",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.clock_in_at:%Y-%m-%d %H:%M}"

    @property
    def is_flagged(self) -> bool:
        return self.is_late or self.left_early or self.is_unrostered


class AttendanceEvent(models.Model):
    """One step of an attendance record: the clock-in that created it, the clock-out."""

    record = models.ForeignKey(
        AttendanceRecord, on_delete=models.CASCADE, related_name="events", verbose_name=_("attendance record")
    )
    action = models.CharField(_("action"), max_length=40)
    from_status = models.CharField(
        _("from"), max_length=12, choices=AttendanceRecord.Status.choices, blank=True
    )
    to_status = models.CharField(_("to"), max_length=12, choices=AttendanceRecord.Status.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("who"),
    )
    note = models.TextField(_("note"), blank=True)
    created_at = models.DateTimeField(_("when"))

    class QuerySet(ScopedQuerySet):
        estate_lookup = "record__estate"

    objects = QuerySet.as_manager()

    class Meta:
        verbose_name = _("attendance event")
        verbose_name_plural = _("attendance events")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.record} {self.action}"
