"""Incidents (突发事件) with their timeline and who was told, and emergency drills (演习).
Tickets link to incidents from their side (tickets.Ticket.incidents): staff sits below tickets."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from servicecenter.scoping import ScopedQuerySet


class IncidentKind(models.TextChoices):
    WATER_LEAK = "water_leak", _("Water leak")
    FIRE_ALARM = "fire_alarm", _("Fire alarm")
    POWER_CUT = "power_cut", _("Power cut")
    ELEVATOR_ENTRAPMENT = "elevator_entrapment", _("Elevator entrapment")
    INJURY = "injury", _("Injury")
    OTHER = "other", pgettext_lazy("incident kind", "Other")


class Incident(models.Model):
    estate = models.ForeignKey(
        "residents.Estate", on_delete=models.PROTECT, related_name="incidents", verbose_name=_("estate")
    )
    kind = models.CharField(_("kind"), max_length=30, choices=IncidentKind.choices)
    title = models.CharField(_("title"), max_length=200)
    location = models.CharField(_("location"), max_length=200, blank=True)
    description = models.TextField(_("description"), blank=True)
    occurred_at = models.DateTimeField(_("occurred at"))
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("recorded by")
    )
    notified_users = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="+", verbose_name=_("staff notified")
    )
    notified_others = models.TextField(_("others notified"), blank=True)
    created_at = models.DateTimeField(_("created at"))
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("closed by"),
    )

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("incident")
        verbose_name_plural = _("incidents")
        ordering = ["-occurred_at", "-pk"]

    def __str__(self) -> str:
        return self.title

    @property
    def is_closed(self) -> bool:
        return self.closed_at is not None


class IncidentTimelineEntry(models.Model):
    incident = models.ForeignKey(
        Incident, on_delete=models.CASCADE, related_name="timeline", verbose_name=_("incident")
    )
    at = models.DateTimeField(_("time"))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("who")
    )
    text = models.TextField(_("what happened"))

    class Meta:
        verbose_name = _("timeline entry")
        verbose_name_plural = _("timeline entries")
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.text[:40]}"


class Drill(models.Model):
    estate = models.ForeignKey(
        "residents.Estate", on_delete=models.PROTECT, related_name="drills", verbose_name=_("estate")
    )
    kind = models.CharField(_("kind"), max_length=30, choices=IncidentKind.choices)
    planned_for = models.DateField(_("planned for"))
    held_on = models.DateField(_("held on"), null=True, blank=True)
    participants = models.TextField(_("participants"), blank=True)
    notes = models.TextField(_("notes"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("created by")
    )

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("drill")
        verbose_name_plural = _("drills")
        ordering = ["-planned_for", "-pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.planned_for}"
