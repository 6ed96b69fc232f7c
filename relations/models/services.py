"""Special services (特约服务): the estate's catalogue of paid services a resident can book from
the portal (deep cleaning, moving help, appliance repair …), and each booking, which is a
paid-service ticket (`tickets.services.register_ticket` with the catalogue's price)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from billing.models import MONEY
from residents.models import resident_unit_ids
from servicecenter.scoping import ScopedQuerySet


class SpecialService(models.Model):
    estate = models.ForeignKey(
        "residents.Estate",
        on_delete=models.CASCADE,
        related_name="special_services",
        verbose_name=_("estate"),
    )
    name = models.CharField(_("name"), max_length=100)
    description = models.TextField(_("description"), blank=True)
    price = models.DecimalField(_("price"), **MONEY)
    # "per visit", "per hour", "per appliance": printed after the price.
    price_unit = models.CharField(_("price per"), max_length=30, blank=True)
    # The ticket's category: which team does the work (cleaning, maintenance …).
    category = models.ForeignKey(
        "tickets.TicketCategory",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("ticket category"),
    )
    is_active = models.BooleanField(_("active"), default=True)
    sort_order = models.PositiveSmallIntegerField(_("order"), default=100)

    class QuerySet(ScopedQuerySet):
        def for_resident(self, user):
            # The active services of the estates where the resident occupies a unit today.
            from residents.models import Unit

            return self.filter(
                is_active=True,
                estate_id__in=Unit.objects.filter(pk__in=resident_unit_ids(user)).values("estate_id"),
            )

    objects = QuerySet.as_manager()

    class Meta:
        verbose_name = _("special service")
        verbose_name_plural = _("special services")
        ordering = ["estate_id", "sort_order", "name"]
        constraints = [
            models.UniqueConstraint(fields=["estate", "name"], name="special_service_name_unique"),
            models.CheckConstraint(condition=Q(price__gte=0), name="special_service_price_not_negative"),
        ]

    def __str__(self) -> str:
        return self.name


class SpecialServiceBooking(models.Model):
    """One booking of a special service for a unit: its ticket carries the work, the SLA, the
    dispatch and (when resolved) the paid-service bill."""

    estate = models.ForeignKey(
        "residents.Estate", on_delete=models.PROTECT, related_name="+", verbose_name=_("estate")
    )
    service = models.ForeignKey(
        SpecialService, on_delete=models.PROTECT, related_name="bookings", verbose_name=_("special service")
    )
    unit = models.ForeignKey(
        "residents.Unit",
        on_delete=models.PROTECT,
        related_name="special_service_bookings",
        verbose_name=_("unit"),
    )
    ticket = models.OneToOneField(
        "tickets.Ticket",
        on_delete=models.PROTECT,
        related_name="special_service_booking",
        verbose_name=_("ticket"),
    )
    preferred_at = models.DateTimeField(_("preferred time"))
    notes = models.TextField(_("notes"), blank=True)
    # Frozen at booking: a later change of the catalogue does not change what was agreed.
    price = models.DecimalField(_("price"), **MONEY)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("booked by"),
    )
    created_at = models.DateTimeField(_("booked at"), default=timezone.now)
    idempotency_key = models.CharField(max_length=64, blank=True, editable=False)

    class QuerySet(ScopedQuerySet):
        def for_resident(self, user):
            return self.filter(unit__in=resident_unit_ids(user))

    objects = QuerySet.as_manager()

    class Meta:
        verbose_name = _("special service booking")
        verbose_name_plural = _("special service bookings")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["estate", "idempotency_key"],
                condition=~Q(idempotency_key=""),
                name="special_service_booking_key_unique",
            ),
            models.CheckConstraint(condition=Q(price__gte=0), name="special_service_booking_price"),
        ]

    def __str__(self) -> str:
        return f"{self.service} · {self.unit}"
