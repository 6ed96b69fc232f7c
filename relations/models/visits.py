"""Household visits (拜访) by housekeepers, and households flagged important (重要业户)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from servicecenter.scoping import ScopedQuerySet


class Visit(models.Model):
    """One contact a housekeeper made with a household: a home visit, a phone call or a talk at
    the desk; who was met, what about, and a follow-up that may become a ticket."""

    class Channel(models.TextChoices):
        HOME = "home", _("Home visit")
        PHONE = "phone", pgettext_lazy("visit channel", "Phone")
        DESK = "desk", _("At the desk")

    estate = models.ForeignKey(
        "residents.Estate", on_delete=models.PROTECT, related_name="+", verbose_name=_("estate")
    )
    unit = models.ForeignKey(
        "residents.Unit", on_delete=models.PROTECT, related_name="visits", verbose_name=_("unit")
    )
    visited_on = models.DateField(_("visit date"), db_index=True)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices, default=Channel.HOME)
    met = models.CharField(_("who was met"), max_length=200, blank=True)
    topics = models.CharField(_("topics"), max_length=300, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    follow_up = models.TextField(_("follow-up"), blank=True)
    # The ticket the follow-up became (once: a retry returns it).
    follow_up_ticket = models.ForeignKey(
        "tickets.Ticket",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("follow-up ticket"),
    )
    visited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("visited by")
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("visit")
        verbose_name_plural = _("visits")
        ordering = ["-visited_on", "-pk"]
        indexes = [models.Index(fields=["unit", "visited_on"], name="visit_unit_date_idx")]

    def __str__(self) -> str:
        return f"{self.unit} · {self.visited_on}"


class ImportantHousehold(models.Model):
    """A household (unit) flagged important by staff, with the reason; cleared, not deleted, so
    the history stays."""

    estate = models.ForeignKey(
        "residents.Estate", on_delete=models.PROTECT, related_name="+", verbose_name=_("estate")
    )
    unit = models.ForeignKey(
        "residents.Unit", on_delete=models.PROTECT, related_name="important_flags", verbose_name=_("unit")
    )
    reason = models.CharField(_("reason"), max_length=300)
    flagged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("flagged by")
    )
    flagged_at = models.DateTimeField(_("flagged at"), default=timezone.now)
    cleared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("cleared by"),
    )
    cleared_at = models.DateTimeField(_("cleared at"), null=True, blank=True)

    class QuerySet(ScopedQuerySet):
        def active(self):
            return self.filter(cleared_at__isnull=True)

    objects = QuerySet.as_manager()

    class Meta:
        verbose_name = _("important household")
        verbose_name_plural = _("important households")
        ordering = ["-flagged_at", "-pk"]
        permissions = [("flag_important_household", _("Can flag households as important"))]
        constraints = [
            models.UniqueConstraint(
                fields=["unit"], condition=Q(cleared_at__isnull=True), name="important_household_one_active"
            )
        ]

    def __str__(self) -> str:
        return f"{self.unit} · {self.reason}"
