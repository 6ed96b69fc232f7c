"""Parcels held at the desk (代收快递): logged when the courier leaves them, the resident notified,
signed for when collected (who collected, who handed it over, when) or returned to the carrier."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from frontdesk.models.desk_log import DeskEvent
from residents.models import resident_unit_ids
from servicecenter.scoping import ScopedQuerySet


class Parcel(models.Model):
    class Status(models.TextChoices):
        HELD = "held", pgettext_lazy("parcel status", "At the desk")
        PICKED_UP = "picked_up", pgettext_lazy("parcel status", "Picked up")
        RETURNED = "returned", pgettext_lazy("parcel status", "Returned to the carrier")

    estate = models.ForeignKey(
        "residents.Estate", on_delete=models.PROTECT, related_name="+", verbose_name=_("estate")
    )
    unit = models.ForeignKey(
        "residents.Unit", on_delete=models.PROTECT, related_name="parcels", verbose_name=_("recipient unit")
    )
    recipient = models.ForeignKey(
        "residents.Person",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recipient"),
    )
    recipient_name = models.CharField(_("name on the parcel"), max_length=100, blank=True)
    carrier = models.CharField(_("carrier"), max_length=50)
    tracking_number = models.CharField(_("tracking number"), max_length=50, db_index=True)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.HELD, db_index=True
    )
    received_at = models.DateTimeField(_("received at"), default=timezone.now, db_index=True)
    logged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("logged by"),
    )
    notified_at = models.DateTimeField(_("resident notified at"), null=True, blank=True)
    collected_by = models.CharField(_("collected by"), max_length=100, blank=True)
    handed_over_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("handed over by"),
    )
    picked_up_at = models.DateTimeField(_("picked up at"), null=True, blank=True)
    returned_at = models.DateTimeField(_("returned at"), null=True, blank=True)

    class QuerySet(ScopedQuerySet):
        def for_resident(self, user):
            return self.filter(unit__in=resident_unit_ids(user))

    objects = QuerySet.as_manager()

    class Meta:
        verbose_name = _("parcel")
        verbose_name_plural = _("parcels")
        ordering = ["-received_at", "-pk"]
        permissions = [("handle_parcel", _("Can log parcels and hand them out or return them"))]
        indexes = [models.Index(fields=["estate", "status", "received_at"], name="parcel_desk_idx")]

    def __str__(self) -> str:
        return f"{self.carrier} {self.tracking_number}"


class ParcelEvent(DeskEvent):
    parcel = models.ForeignKey(
        Parcel, on_delete=models.CASCADE, related_name="events", verbose_name=_("parcel")
    )

    class QuerySet(ScopedQuerySet):
        estate_lookup = "parcel__estate"

        def for_resident(self, user):
            return self.filter(parcel__unit__in=resident_unit_ids(user))

    objects = QuerySet.as_manager()

    class Meta(DeskEvent.Meta):
        verbose_name = _("parcel event")
        verbose_name_plural = _("parcel events")

    def __str__(self) -> str:
        return f"{self.parcel_id} {self.action}"
