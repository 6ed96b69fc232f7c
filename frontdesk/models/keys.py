"""Key custody (钥匙托管): an owner leaves keys with the desk and names who may collect them.

Each hand-out and return is a signed movement row; the custody's state (held ⇄ handed out →
returned to the owner) is declared in `frontdesk.workflows` with one event row per transition.
ID numbers of the named collectors are kept only as a keyed hash and a mask.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from residents.models import resident_unit_ids
from servicecenter.crypto import keyed_hash
from servicecenter.scoping import ScopedQuerySet
from servicecenter.validators import mask_id_number, mask_mobile, normalize_id_number


class KeyCustody(models.Model):
    class Status(models.TextChoices):
        HELD = "held", pgettext_lazy("key custody status", "At the desk")
        HANDED_OUT = "handed_out", pgettext_lazy("key custody status", "Handed out")
        RETURNED_TO_OWNER = "returned_to_owner", _("Returned to the owner")

    OPEN = (Status.HELD, Status.HANDED_OUT)

    estate = models.ForeignKey(
        "residents.Estate", on_delete=models.PROTECT, related_name="+", verbose_name=_("estate")
    )
    unit = models.ForeignKey(
        "residents.Unit", on_delete=models.PROTECT, related_name="key_custodies", verbose_name=_("unit")
    )
    owner = models.ForeignKey(
        "residents.Person", on_delete=models.PROTECT, related_name="+", verbose_name=_("owner")
    )
    description = models.CharField(
        _("keys"), max_length=200, help_text=_("Which keys, e.g. front door, mailbox, garage.")
    )
    quantity = models.PositiveSmallIntegerField(_("number of keys"), default=1)
    storage_tag = models.CharField(
        _("storage tag"), max_length=30, help_text=_("The tag on the key box hook.")
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.HELD, db_index=True
    )
    note = models.TextField(_("note"), blank=True)
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("received by")
    )
    received_at = models.DateTimeField(_("received at"), default=timezone.now, db_index=True)
    closed_at = models.DateTimeField(_("returned to the owner at"), null=True, blank=True)

    class QuerySet(ScopedQuerySet):
        def for_resident(self, user):
            return self.filter(unit__in=resident_unit_ids(user))

        def open(self):
            return self.filter(status__in=KeyCustody.OPEN)

    objects = QuerySet.as_manager()

    class Meta:
        verbose_name = _("key custody")
        verbose_name_plural = _("key custodies")
        ordering = ["-received_at", "-pk"]
        permissions = [("manage_key_custody", _("Can take in, hand out and return keys"))]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gte=1), name="key_custody_quantity_positive"),
            # One hook holds one custody at a time: the tag is how the desk finds the keys.
            models.UniqueConstraint(
                fields=["estate", "storage_tag"],
                condition=Q(status__in=["held", "handed_out"]),
                name="key_custody_open_tag_unique",
            ),
        ]
        indexes = [models.Index(fields=["estate", "status", "received_at"], name="key_custody_desk_idx")]

    def __str__(self) -> str:
        return f"{self.unit} · {self.storage_tag}"


class KeyCollector(models.Model):
    """Someone the owner named to collect the keys. The ID number is never stored in clear: the
    keyed hash lets the desk check the one presented; the mask is what staff see."""

    custody = models.ForeignKey(
        KeyCustody, on_delete=models.CASCADE, related_name="collectors", verbose_name=_("key custody")
    )
    name = models.CharField(_("name"), max_length=100)
    phone = models.CharField(_("phone"), max_length=20)
    # Someone in the archive is checked through the archive's own ID check (rate-limited, logged).
    person = models.ForeignKey(
        "residents.Person",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("person in the archive"),
    )
    id_number_hash = models.CharField(max_length=64, editable=False, blank=True)
    id_number_masked = models.CharField(_("ID number"), max_length=18, editable=False, blank=True)
    is_active = models.BooleanField(_("may collect"), default=True)

    class QuerySet(ScopedQuerySet):
        estate_lookup = "custody__estate"

        def for_resident(self, user):
            return self.none()

    objects = QuerySet.as_manager()

    class Meta:
        verbose_name = _("named collector")
        verbose_name_plural = _("named collectors")
        ordering = ["custody_id", "pk"]

    def __str__(self) -> str:
        return self.name

    def set_id_number(self, value: str) -> None:
        number = normalize_id_number(value)
        self.id_number_hash = keyed_hash(number) if number else ""
        self.id_number_masked = mask_id_number(number)

    @property
    def phone_masked(self) -> str:
        return mask_mobile(self.phone)


class KeyMovement(models.Model):
    """One signed hand-out or return of the keys."""

    class Direction(models.TextChoices):
        OUT = "out", pgettext_lazy("key movement", "Handed out")
        IN = "in", pgettext_lazy("key movement", "Returned")

    custody = models.ForeignKey(
        KeyCustody, on_delete=models.CASCADE, related_name="movements", verbose_name=_("key custody")
    )
    direction = models.CharField(_("direction"), max_length=3, choices=Direction.choices)
    collector = models.ForeignKey(
        KeyCollector,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="movements",
        verbose_name=_("named collector"),
    )
    person_name = models.CharField(_("person"), max_length=100)
    id_checked = models.BooleanField(_("ID checked"), default=False)
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("staff")
    )
    moved_at = models.DateTimeField(_("time"), default=timezone.now)
    note = models.CharField(_("note"), max_length=300, blank=True)

    class QuerySet(ScopedQuerySet):
        estate_lookup = "custody__estate"

        def for_resident(self, user):
            return self.none()

    objects = QuerySet.as_manager()

    class Meta:
        verbose_name = _("key movement")
        verbose_name_plural = _("key movements")
        ordering = ["moved_at", "pk"]

    def __str__(self) -> str:
        return f"{self.custody} {self.direction} {self.person_name}"


class KeyCustodyEvent(models.Model):
    custody = models.ForeignKey(
        KeyCustody, on_delete=models.CASCADE, related_name="events", verbose_name=_("key custody")
    )
    action = models.CharField(_("action"), max_length=40)
    from_status = models.CharField(_("from"), max_length=20, choices=KeyCustody.Status.choices, blank=True)
    to_status = models.CharField(_("to"), max_length=20, choices=KeyCustody.Status.choices, blank=True)
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
        estate_lookup = "custody__estate"

        def for_resident(self, user):
            return self.none()

    objects = QuerySet.as_manager()

    class Meta:
        verbose_name = _("key custody event")
        verbose_name_plural = _("key custody events")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.custody} {self.action}"
