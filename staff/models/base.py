"""Staff: teams, profiles tying users to estates, housekeepers' zones, and notifications."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from servicecenter.scoping import ScopedQuerySet
from servicecenter.validators import normalize_phone
from staff.channels import mask_address


class Team(models.Model):
    class Kind(models.TextChoices):
        MAINTENANCE = "maintenance", _("Maintenance")
        CLEANING = "cleaning", _("Cleaning")
        SECURITY = "security", _("Security")
        LANDSCAPING = "landscaping", _("Landscaping")
        CUSTOMER_SERVICE = "customer_service", _("Customer service")
        # The developer's after-sales team (房产售后): handover and warranty defects go to it.
        WARRANTY = "warranty", _("Developer's warranty team")

    estate = models.ForeignKey(
        "residents.Estate", on_delete=models.PROTECT, related_name="teams", verbose_name=_("estate")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=100)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("team")
        verbose_name_plural = _("teams")
        ordering = ["estate_id", "kind", "name"]
        constraints = [models.UniqueConstraint(fields=["estate", "name"], name="team_name_unique_per_estate")]

    def __str__(self) -> str:
        return self.name


class StaffProfile(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="staff_profile",
        verbose_name=_("user"),
    )
    estates = models.ManyToManyField(
        "residents.Estate", related_name="staff_profiles", verbose_name=_("estates")
    )
    team = models.ForeignKey(
        Team, on_delete=models.SET_NULL, null=True, blank=True, related_name="members", verbose_name=_("team")
    )
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    title = models.CharField(_("job title"), max_length=100, blank=True)

    class QuerySet(ScopedQuerySet):
        estate_lookup = "estates"

    objects = QuerySet.as_manager()

    class Meta:
        verbose_name = _("staff profile")
        verbose_name_plural = _("staff profiles")
        permissions = [("view_all_estates", _("Can see every estate of the company"))]

    def __str__(self) -> str:
        return self.user.get_full_name() or self.user.get_username()

    def save(self, *args, **kwargs):
        # Digits only (0755-8888-1234 → 075588881234): found by its full digits or last four.
        self.phone = normalize_phone(self.phone)
        super().save(*args, **kwargs)


class Zone(models.Model):
    """A housekeeper's area of responsibility (责任片区): a set of buildings of one estate."""

    estate = models.ForeignKey(
        "residents.Estate", on_delete=models.PROTECT, related_name="zones", verbose_name=_("estate")
    )
    name = models.CharField(_("name"), max_length=100)
    housekeeper = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="zones",
        verbose_name=_("housekeeper"),
    )
    buildings = models.ManyToManyField(
        "residents.Building", through="ZoneBuilding", related_name="zones", verbose_name=_("buildings")
    )

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("zone")
        verbose_name_plural = _("zones")
        ordering = ["estate_id", "name"]
        permissions = [("redraw_zones", _("Can redraw which buildings each zone covers"))]
        constraints = [models.UniqueConstraint(fields=["estate", "name"], name="zone_name_unique_per_estate")]

    def __str__(self) -> str:
        return self.name


class ZoneBuilding(models.Model):
    zone = models.ForeignKey(Zone, on_delete=models.CASCADE, related_name="zone_buildings")
    # One zone per building: otherwise "who is the housekeeper of this unit" has two answers.
    building = models.OneToOneField(
        "residents.Building", on_delete=models.CASCADE, related_name="zone_building"
    )

    class Meta:
        verbose_name = _("zone building")
        verbose_name_plural = _("zone buildings")

    def __str__(self) -> str:
        return f"{self.zone} · {self.building}"


class NotificationQuerySet(models.QuerySet):
    def unread(self):
        return self.filter(read_at__isnull=True)


class Notification(models.Model):
    """An in-app notification (the bell in the staff layout and the portal)."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notifications",
        verbose_name=_("recipient"),
    )
    estate = models.ForeignKey(
        "residents.Estate",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("estate"),
    )
    kind = models.CharField(_("kind"), max_length=50)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("message"), blank=True)
    url = models.CharField(_("link"), max_length=300, blank=True)
    # Tasks may notify twice (at-least-once delivery); a key makes the second call a no-op.
    dedupe_key = models.CharField(max_length=200, null=True, blank=True)  # noqa: DJ001  (NULL = no key, outside the unique constraint)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["recipient", "read_at"], name="notification_unread_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "dedupe_key"],
                condition=Q(dedupe_key__isnull=False),
                name="notification_once_per_key",
            )
        ]

    def __str__(self) -> str:
        return self.title


class OutboundMessageQuerySet(models.QuerySet):
    def due(self, now):
        """Waiting messages whose time has come, and claimed ones whose claimer died mid-send."""
        return self.filter(
            Q(status=OutboundMessage.Status.PENDING, not_before__lte=now)
            | Q(status=OutboundMessage.Status.SENDING, leased_until__lte=now)
        )


class OutboundMessage(models.Model):
    """An SMS or e-mail waiting to go out. Delivery is a periodic sweep, so nothing is lost with the broker.

    A sweep claims one message at a time (status `sending` with a lease), sends it outside any
    transaction and then records the result. If the worker dies mid-send the lease runs out and
    the message is due again: a crash resends at most the one message that was in flight.
    """

    class Channel(models.TextChoices):
        SMS = "sms", _("SMS")
        EMAIL = "email", _("E-mail")

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    notification = models.ForeignKey(
        Notification,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="outbound",
        verbose_name=_("notification"),
    )
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    address = models.CharField(_("address"), max_length=200)
    subject = models.CharField(_("subject"), max_length=200, blank=True)
    body = models.TextField(_("message"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    # An emergency reaches the on-call person at night: quiet hours do not hold it back.
    ignores_quiet_hours = models.BooleanField(_("sent even in quiet hours"), default=False)
    # For a pending message: the earliest time of its next attempt (quiet hours, backoff).
    not_before = models.DateTimeField(_("next attempt at"), db_index=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    # Set while a worker holds the message; a result is recorded only by the holder of the token.
    leased_until = models.DateTimeField(_("claimed until"), null=True, blank=True)
    claim_token = models.UUIDField(_("claim token"), null=True, blank=True, editable=False)
    last_error = models.TextField(_("last error"), blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    failed_at = models.DateTimeField(_("failed at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = OutboundMessageQuerySet.as_manager()

    class Meta:
        verbose_name = _("outbound message")
        verbose_name_plural = _("outbound messages")
        ordering = ["-created_at"]
        indexes = [
            # The two halves of OutboundMessage.objects.due(): waiting rows and expired claims.
            models.Index(fields=["status", "not_before"], name="outbound_due_idx"),
            models.Index(fields=["status", "leased_until"], name="outbound_lease_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} → {self.masked_address}"

    @property
    def masked_address(self) -> str:
        return mask_address(self.channel, self.address)
