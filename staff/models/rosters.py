"""Shifts and rosters: the shift types of an estate, its reception hours, the weekly roster of
each team (one entry per person and day: a shift or a day off) and the swaps staff ask for."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from servicecenter.scoping import ScopedQuerySet


def _aware(day: date, moment: time) -> datetime:
    return timezone.make_aware(datetime.combine(day, moment))


class ShiftType(models.Model):
    """A kind of shift of one estate (早班, 晚班, 行政班, 夜间值班). A type whose end is not after its
    start crosses midnight: it ends on the next day. The office shift is split (9–12 + 13–18):
    its second part is `second_start`–`second_end`, and the break is not working time."""

    estate = models.ForeignKey(
        "residents.Estate", on_delete=models.PROTECT, related_name="shift_types", verbose_name=_("estate")
    )
    code = models.SlugField(_("code"), max_length=30)
    name = models.CharField(_("name"), max_length=60)
    start = models.TimeField(_("starts"))
    end = models.TimeField(_("ends"))
    second_start = models.TimeField(_("second part starts"), null=True, blank=True)
    second_end = models.TimeField(_("second part ends"), null=True, blank=True)
    is_on_call = models.BooleanField(
        _("on call"), default=False, help_text=_("Reachable by phone rather than at the desk.")
    )
    sort_order = models.PositiveSmallIntegerField(_("sort order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("shift type")
        verbose_name_plural = _("shift types")
        ordering = ["estate_id", "sort_order", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["estate", "code"], name="shift_type_code_unique_per_estate")
        ]

    def __str__(self) -> str:
        return f"{self.name} {self.hours_label}"

    @property
    def hours_label(self) -> str:
        parts = [f"{self.start:%H:%M}–{self.end:%H:%M}"]
        if self.second_start is not None and self.second_end is not None:
            parts.append(f"{self.second_start:%H:%M}–{self.second_end:%H:%M}")
        return ", ".join(parts)

    @property
    def final_end(self) -> time:
        return self.second_end if self.second_end is not None else self.end

    @property
    def crosses_midnight(self) -> bool:
        return self.final_end <= self.start

    def clean(self) -> None:
        errors: dict[str, list] = {}
        if self.start is not None and self.end is not None and self.start == self.end:
            errors["end"] = [_("A shift cannot end when it starts.")]
        if (self.second_start is None) != (self.second_end is None):
            errors["second_end"] = [_("Give both the start and the end of the second part, or neither.")]
        elif self.second_start is not None and self.second_end is not None and self.end is not None:
            if self.second_start == self.second_end:
                errors["second_end"] = [_("A shift cannot end when it starts.")]
            elif self.end > self.start and not (self.end <= self.second_start):
                errors["second_start"] = [_("The second part starts after the first one ends.")]
        if errors:
            raise ValidationError(errors)

    def periods_on(self, day: date) -> list[tuple[datetime, datetime]]:
        """The aware (start, end) of each working part of this shift starting on `day`."""
        periods = []
        current_day = day
        start = _aware(current_day, self.start)
        end_day = current_day + timedelta(days=1) if self.end <= self.start else current_day
        end = _aware(end_day, self.end)
        periods.append((start, end))
        if self.second_start is not None and self.second_end is not None:
            second_day = end_day + timedelta(days=1) if self.second_start < self.end else end_day
            second_start = _aware(second_day, self.second_start)
            second_end_day = (
                second_day + timedelta(days=1) if self.second_end <= self.second_start else second_day
            )
            periods.append((second_start, _aware(second_end_day, self.second_end)))
        return periods

    def span_on(self, day: date) -> tuple[datetime, datetime]:
        periods = self.periods_on(day)
        return periods[0][0], periods[-1][1]


class ReceptionHours(models.Model):
    """When an estate's service desk is open: a team left empty then is a gap in the roster."""

    estate = models.OneToOneField(
        "residents.Estate",
        on_delete=models.CASCADE,
        related_name="reception_hours",
        verbose_name=_("estate"),
    )
    weekday_opens = models.TimeField(_("weekdays open"), default=time(8, 30))
    weekday_closes = models.TimeField(_("weekdays close"), default=time(18, 0))
    weekend_opens = models.TimeField(_("weekends open"), default=time(9, 0))
    weekend_closes = models.TimeField(_("weekends close"), default=time(17, 0))

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("reception hours")
        verbose_name_plural = _("reception hours")

    def __str__(self) -> str:
        return str(self.estate)

    def clean(self) -> None:
        errors = {}
        if self.weekday_opens and self.weekday_closes and self.weekday_closes <= self.weekday_opens:
            errors["weekday_closes"] = [_("The desk closes after it opens.")]
        if self.weekend_opens and self.weekend_closes and self.weekend_closes <= self.weekend_opens:
            errors["weekend_closes"] = [_("The desk closes after it opens.")]
        if errors:
            raise ValidationError(errors)

    def open_on(self, day: date) -> tuple[datetime, datetime]:
        if day.weekday() >= 5:
            return _aware(day, self.weekend_opens), _aware(day, self.weekend_closes)
        return _aware(day, self.weekday_opens), _aware(day, self.weekday_closes)


class RosterEntry(models.Model):
    """One person's day in a team's roster: a shift (its times copied from the type when saved,
    so a later change of the type does not rewrite past weeks) or a day off."""

    estate = models.ForeignKey(
        "residents.Estate", on_delete=models.PROTECT, related_name="roster_entries", verbose_name=_("estate")
    )
    team = models.ForeignKey(
        "staff.Team", on_delete=models.CASCADE, related_name="roster_entries", verbose_name=_("team")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="roster_entries",
        verbose_name=_("staff member"),
    )
    day = models.DateField(_("day"), help_text=_("The day the shift starts."))
    shift_type = models.ForeignKey(
        ShiftType,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="entries",
        verbose_name=_("shift type"),
    )
    is_day_off = models.BooleanField(_("day off"), default=False)
    starts_at = models.DateTimeField(_("starts at"), null=True, blank=True)
    ends_at = models.DateTimeField(_("ends at"), null=True, blank=True)
    is_on_call = models.BooleanField(_("on call"), default=False)
    conflict_acknowledged = models.BooleanField(_("conflict acknowledged"), default=False)
    conflict_note = models.TextField(_("conflict note"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("roster entry")
        verbose_name_plural = _("roster entries")
        ordering = ["day", "starts_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["team", "user", "day"], name="roster_entry_one_per_person_day"),
            models.CheckConstraint(
                condition=models.Q(is_day_off=True, shift_type__isnull=True)
                | models.Q(
                    is_day_off=False, shift_type__isnull=False, starts_at__isnull=False, ends_at__isnull=False
                ),
                name="roster_entry_shift_or_day_off",
            ),
        ]
        indexes = [
            models.Index(fields=["estate", "starts_at"], name="roster_entry_estate_start"),
            models.Index(fields=["user", "day"], name="roster_entry_user_day"),
        ]

    def __str__(self) -> str:
        what = _("day off") if self.is_day_off else self.shift_type.name if self.shift_type_id else ""
        return f"{self.day} {what}"

    def periods(self) -> list[tuple[datetime, datetime]]:
        if self.is_day_off or self.shift_type is None:
            return []
        return self.shift_type.periods_on(self.day)


class SwapRequest(models.Model):
    """A staff member asks to swap a roster entry with a colleague's (or hand it over when the
    colleague has no entry that day); the supervisor approves or rejects it."""

    class Status(models.TextChoices):
        REQUESTED = "requested", _("Requested")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")
        CANCELLED = "cancelled", _("Cancelled")

    estate = models.ForeignKey(
        "residents.Estate", on_delete=models.PROTECT, related_name="swap_requests", verbose_name=_("estate")
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="swap_requests",
        verbose_name=_("requested by"),
    )
    entry = models.ForeignKey(
        RosterEntry, on_delete=models.CASCADE, related_name="swaps_out", verbose_name=_("shift given")
    )
    counterpart = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="swap_offers",
        verbose_name=_("swap with"),
    )
    counterpart_entry = models.ForeignKey(
        RosterEntry,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="swaps_in",
        verbose_name=_("shift taken"),
    )
    reason = models.TextField(_("reason"), blank=True)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.REQUESTED)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("shift swap")
        verbose_name_plural = _("shift swaps")
        ordering = ["-created_at", "-pk"]
        permissions = [("approve_swaprequest", _("Can approve or reject shift swaps"))]

    def __str__(self) -> str:
        return f"{self.entry} ⇄ {self.counterpart}"


class SwapEvent(models.Model):
    swap = models.ForeignKey(
        SwapRequest, on_delete=models.CASCADE, related_name="events", verbose_name=_("swap")
    )
    action = models.CharField(_("action"), max_length=40)
    from_status = models.CharField(_("from"), max_length=12, choices=SwapRequest.Status.choices, blank=True)
    to_status = models.CharField(_("to"), max_length=12, choices=SwapRequest.Status.choices, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("who"),
    )
    note = models.TextField(_("note"), blank=True)
    created_at = models.DateTimeField(_("when"), default=timezone.now)

    class QuerySet(ScopedQuerySet):
        estate_lookup = "swap__estate"

    objects = QuerySet.as_manager()

    class Meta:
        verbose_name = _("shift swap event")
        verbose_name_plural = _("shift swap events")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.swap} {self.action}"
