"""Move-outs (迁出) and moving requests (搬家) with their release pass (搬家放行条).

An occupant asks the desk to move out for good, or to move goods in or out on a given day and
time window. Approving the request issues the release pass (the archive's shared `Pass`), which
the gate verifies by its number; a unit that owes money is not released unless a manager
overrides with a reason. The states are declared once in `frontdesk.workflows`.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from billing.models import MONEY
from residents.models import resident_unit_ids
from servicecenter.scoping import ScopedQuerySet


class MoveOutCounter(models.Model):
    estate = models.ForeignKey("residents.Estate", on_delete=models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField()
    last_number = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["estate", "year"], name="moveout_counter_unique")]

    def __str__(self) -> str:
        return f"{self.estate_id}/{self.year}: {self.last_number}"


class MoveOut(models.Model):
    """One move-out or moving request of one unit, from the request to the gate."""

    class Kind(models.TextChoices):
        MOVE_OUT = "move_out", _("Move-out")
        MOVING = "moving", _("Moving goods")

    class Status(models.TextChoices):
        REQUESTED = "requested", pgettext_lazy("move-out status", "Requested")
        APPROVED = "approved", _("Release pass issued")
        COMPLETED = "completed", pgettext_lazy("move-out status", "Completed")
        CANCELLED = "cancelled", pgettext_lazy("move-out status", "Cancelled")

    OPEN = (Status.REQUESTED, Status.APPROVED)

    estate = models.ForeignKey(
        "residents.Estate", on_delete=models.PROTECT, related_name="moveouts", verbose_name=_("estate")
    )
    unit = models.ForeignKey(
        "residents.Unit", on_delete=models.PROTECT, related_name="moveouts", verbose_name=_("unit")
    )
    # "LJY-BJ2026-0007": per estate and year.
    number = models.CharField(_("number"), max_length=30, unique=True)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.REQUESTED, db_index=True
    )
    # Who asks: an occupant of the unit when the request is made. A move-out ends this occupancy.
    person = models.ForeignKey(
        "residents.Person", on_delete=models.PROTECT, related_name="moveouts", verbose_name=_("requested by")
    )
    occupancy = models.ForeignKey(
        "residents.Occupancy",
        on_delete=models.PROTECT,
        related_name="moveouts",
        verbose_name=_("occupancy"),
    )
    planned_date = models.DateField(_("planned date"))
    window_start = models.TimeField(_("from"))
    window_end = models.TimeField(_("until"))
    items = models.TextField(_("items"))
    vehicle_plate = models.CharField(_("vehicle plate"), max_length=20, blank=True)
    helpers = models.PositiveSmallIntegerField(_("helpers"), default=0)
    notes = models.TextField(_("notes"), blank=True)

    release_pass = models.ForeignKey(
        "residents.Pass",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("release pass"),
    )
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("approved by"),
    )
    # A manager released a unit that owed money: who, when, why and how much was owed then.
    arrears_override_reason = models.CharField(
        _("reason for releasing with arrears"), max_length=300, blank=True
    )
    arrears_override_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("arrears overridden by"),
    )
    arrears_override_at = models.DateTimeField(_("arrears overridden at"), null=True, blank=True)
    arrears_owed_at_override = models.DecimalField(_("owed when overridden"), **MONEY, null=True, blank=True)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    cancel_reason = models.CharField(_("reason for cancelling"), max_length=300, blank=True)

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("registered by"),
    )
    created_at = models.DateTimeField(_("registered at"), default=timezone.now, db_index=True)
    # A retried registration (double submit) gives the first request back.
    idempotency_key = models.CharField(max_length=64, blank=True, editable=False)

    class QuerySet(ScopedQuerySet):
        def for_resident(self, user):
            return self.filter(unit__in=resident_unit_ids(user))

        def open(self):
            return self.filter(status__in=MoveOut.OPEN)

    objects = QuerySet.as_manager()

    class Meta:
        verbose_name = _("move-out or moving request")
        verbose_name_plural = _("move-outs and moving requests")
        ordering = ["-created_at", "-pk"]
        permissions = [
            ("register_moveout", _("Can register and cancel move-out and moving requests")),
            ("approve_moveout", _("Can approve moving requests and issue release passes")),
            ("override_moveout_arrears", _("Can release a unit that owes money")),
            ("complete_moveout", _("Can complete move-out and moving requests")),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(window_end__gt=models.F("window_start")), name="moveout_window_positive"
            ),
            models.UniqueConstraint(
                fields=["estate", "idempotency_key"],
                condition=~Q(idempotency_key=""),
                name="moveout_idempotency_key_unique",
            ),
        ]
        indexes = [models.Index(fields=["estate", "status", "planned_date"], name="moveout_desk_idx")]

    def __str__(self) -> str:
        return self.number


class MoveOutEvent(models.Model):
    """One line of a request's timeline: a transition (who, when, from, to, note)."""

    moveout = models.ForeignKey(
        MoveOut, on_delete=models.CASCADE, related_name="events", verbose_name=_("move-out or moving request")
    )
    action = models.CharField(_("action"), max_length=40)
    from_status = models.CharField(_("from"), max_length=12, choices=MoveOut.Status.choices, blank=True)
    to_status = models.CharField(_("to"), max_length=12, choices=MoveOut.Status.choices, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("who"),
        help_text=_("Empty when the system did it."),
    )
    note = models.TextField(_("note"), blank=True)
    created_at = models.DateTimeField(_("when"), default=timezone.now)

    class QuerySet(ScopedQuerySet):
        estate_lookup = "moveout__estate"

        def for_resident(self, user):
            return self.filter(moveout__unit__in=resident_unit_ids(user))

    objects = QuerySet.as_manager()

    class Meta:
        verbose_name = _("move-out event")
        verbose_name_plural = _("move-out events")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.moveout} {self.action}"
