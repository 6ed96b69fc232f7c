"""Lost and found (物品认领): an item handed in at the desk is held in a storage place until its
owner claims it (name, phone, and an ID checked at the desk: only its mask and keyed hash are
kept) or, once the estate's keep period is over, it is disposed of."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from frontdesk.models.desk_log import DeskEvent, desk_upload_path
from servicecenter.scoping import ScopedQuerySet
from servicecenter.validators import mask_mobile

DEFAULT_KEEP_DAYS = 90
DEFAULT_REMINDER_DAYS = 7


class LostFoundRules(models.Model):
    """The estate's lost-and-found rules: how long an unclaimed item is kept, and how many days
    before the end of that period the desk is reminded. An estate without a row uses the defaults."""

    estate = models.OneToOneField(
        "residents.Estate",
        on_delete=models.CASCADE,
        related_name="lost_found_rules",
        verbose_name=_("estate"),
    )
    keep_days = models.PositiveSmallIntegerField(
        _("days an unclaimed item is kept"), default=DEFAULT_KEEP_DAYS
    )
    reminder_days = models.PositiveSmallIntegerField(
        _("days before disposal the desk is reminded"), default=DEFAULT_REMINDER_DAYS
    )

    class Meta:
        verbose_name = _("lost and found rules")
        verbose_name_plural = _("lost and found rules")
        constraints = [
            models.CheckConstraint(condition=Q(keep_days__gte=1), name="lost_found_keep_days_positive"),
        ]

    def __str__(self) -> str:
        return str(self.estate)


class LostItem(models.Model):
    class Status(models.TextChoices):
        HELD = "held", pgettext_lazy("lost item status", "Held")
        CLAIMED = "claimed", pgettext_lazy("lost item status", "Claimed")
        DISPOSED = "disposed", pgettext_lazy("lost item status", "Disposed of")

    estate = models.ForeignKey(
        "residents.Estate", on_delete=models.PROTECT, related_name="+", verbose_name=_("estate")
    )
    description = models.CharField(_("item"), max_length=200)
    photo = models.FileField(_("photo"), upload_to=desk_upload_path, blank=True)
    photo_content_type = models.CharField(max_length=100, blank=True, editable=False)
    found_place = models.CharField(_("where found"), max_length=200)
    found_at = models.DateTimeField(_("when found"), default=timezone.now, db_index=True)
    handed_in_by = models.CharField(_("handed in by"), max_length=100, blank=True)
    storage_place = models.CharField(_("storage place"), max_length=100)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.HELD, db_index=True
    )
    # Frozen from the estate's rules when the item is logged.
    keep_until = models.DateField(_("kept until"))
    reminder_sent_at = models.DateTimeField(_("desk reminded at"), null=True, blank=True)
    logged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("logged by"),
    )
    logged_at = models.DateTimeField(_("logged at"), default=timezone.now)

    claimant_name = models.CharField(_("claimant"), max_length=100, blank=True)
    claimant_phone = models.CharField(_("claimant's phone"), max_length=20, blank=True)
    claimant_person = models.ForeignKey(
        "residents.Person",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("claimant in the archive"),
    )
    claimant_id_hash = models.CharField(max_length=64, editable=False, blank=True)
    claimant_id_masked = models.CharField(
        _("claimant's ID number"), max_length=18, editable=False, blank=True
    )
    claimed_at = models.DateTimeField(_("claimed at"), null=True, blank=True)
    handed_out_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("handed out by"),
    )
    disposed_at = models.DateTimeField(_("disposed of at"), null=True, blank=True)
    disposal_note = models.CharField(_("how it was disposed of"), max_length=300, blank=True)

    class QuerySet(ScopedQuerySet):
        pass

    objects = QuerySet.as_manager()

    class Meta:
        verbose_name = _("lost item")
        verbose_name_plural = _("lost items")
        ordering = ["-found_at", "-pk"]
        permissions = [
            ("handle_lost_item", _("Can log, hand out and dispose of lost items")),
            ("dispose_lost_item_early", _("Can dispose of a lost item before its keep period ends")),
        ]
        indexes = [models.Index(fields=["estate", "status", "found_at"], name="lost_item_desk_idx")]

    def __str__(self) -> str:
        return self.description

    @property
    def claimant_phone_masked(self) -> str:
        return mask_mobile(self.claimant_phone)


class LostItemEvent(DeskEvent):
    item = models.ForeignKey(
        LostItem, on_delete=models.CASCADE, related_name="events", verbose_name=_("item")
    )

    class QuerySet(ScopedQuerySet):
        estate_lookup = "item__estate"

    objects = QuerySet.as_manager()

    class Meta(DeskEvent.Meta):
        verbose_name = _("lost item event")
        verbose_name_plural = _("lost item events")

    def __str__(self) -> str:
        return f"{self.item_id} {self.action}"
