"""The visitor log (访客登记): who came to which unit, why, when they came and left, and who at the
desk let them in. Phones are stored normalised and shown masked, like the archive's."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from frontdesk.models.desk_log import DeskEvent
from servicecenter.scoping import ScopedQuerySet
from servicecenter.validators import mask_mobile


class Visitor(models.Model):
    class Status(models.TextChoices):
        INSIDE = "inside", pgettext_lazy("visitor status", "Inside")
        LEFT = "left", pgettext_lazy("visitor status", "Left")

    estate = models.ForeignKey(
        "residents.Estate", on_delete=models.PROTECT, related_name="+", verbose_name=_("estate")
    )
    unit = models.ForeignKey(
        "residents.Unit", on_delete=models.PROTECT, related_name="visitors", verbose_name=_("unit visited")
    )
    name = models.CharField(_("visitor's name"), max_length=100)
    phone = models.CharField(_("visitor's phone"), max_length=20, blank=True)
    purpose = models.CharField(_("purpose of the visit"), max_length=200, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.INSIDE, db_index=True
    )
    arrived_at = models.DateTimeField(_("time in"), default=timezone.now, db_index=True)
    left_at = models.DateTimeField(_("time out"), null=True, blank=True)
    let_in_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("let in by"),
    )
    occupant_notified_at = models.DateTimeField(_("occupant notified at"), null=True, blank=True)

    class QuerySet(ScopedQuerySet):
        pass

    objects = QuerySet.as_manager()

    class Meta:
        verbose_name = _("visitor")
        verbose_name_plural = _("visitors")
        ordering = ["-arrived_at", "-pk"]
        permissions = [("log_visitor", _("Can register visitors and their departure"))]
        constraints = [
            models.CheckConstraint(
                condition=Q(left_at__isnull=True) | Q(left_at__gte=F("arrived_at")),
                name="visitor_leaves_after_arriving",
            )
        ]
        indexes = [models.Index(fields=["estate", "status", "arrived_at"], name="visitor_desk_idx")]

    def __str__(self) -> str:
        return f"{self.name} → {self.unit_id}"

    @property
    def phone_masked(self) -> str:
        return mask_mobile(self.phone)


class VisitorEvent(DeskEvent):
    visitor = models.ForeignKey(
        Visitor, on_delete=models.CASCADE, related_name="events", verbose_name=_("visitor")
    )

    class QuerySet(ScopedQuerySet):
        estate_lookup = "visitor__estate"

    objects = QuerySet.as_manager()

    class Meta(DeskEvent.Meta):
        verbose_name = _("visitor event")
        verbose_name_plural = _("visitor events")

    def __str__(self) -> str:
        return f"{self.visitor_id} {self.action}"
