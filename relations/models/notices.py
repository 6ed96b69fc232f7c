"""Management notices (管理通告): the centre tells an estate, or some of its buildings, about a
water cut, a lift inspection, a fire drill. Written as a draft, published (urgent ones also go
out by SMS to the targeted households) and withdrawn when no longer true. Residents see the
published notices of their buildings between the start and end dates; opening one records a
read receipt, once per user, so the desk sees how many households have read it.
The states are declared once in `relations.workflows`."""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from residents.models import resident_unit_ids
from servicecenter.scoping import ScopedQuerySet


def targets_resident(user, *, through: str = "") -> Q:
    """Q for rows (notices, events) that reach the units the user occupies today: no buildings
    named (the whole estate) and the estate is theirs, or one of their buildings named."""
    from residents.models import Unit

    units = Unit.objects.filter(pk__in=resident_unit_ids(user))
    prefix = f"{through}__" if through else ""
    return Q(**{f"{prefix}buildings__isnull": True, f"{prefix}estate__in": units.values("estate_id")}) | Q(
        **{f"{prefix}buildings__in": units.values("building_id")}
    )


class Notice(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", pgettext_lazy("notice status", "Draft")
        PUBLISHED = "published", pgettext_lazy("notice status", "Published")
        WITHDRAWN = "withdrawn", pgettext_lazy("notice status", "Withdrawn")

    estate = models.ForeignKey(
        "residents.Estate", on_delete=models.PROTECT, related_name="notices", verbose_name=_("estate")
    )
    # None named: the whole estate.
    buildings = models.ManyToManyField(
        "residents.Building", blank=True, related_name="notices", verbose_name=_("buildings")
    )
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"))
    start_date = models.DateField(_("shown from"))
    end_date = models.DateField(_("shown until"))
    is_urgent = models.BooleanField(
        _("urgent"),
        default=False,
        help_text=_("Urgent notices also go by SMS to the residents when published."),
    )
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)
    # Set by the SMS task once every targeted resident has been notified: the sweep's marker.
    sms_sent_at = models.DateTimeField(_("SMS sent at"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("written by"),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now, db_index=True)

    class QuerySet(ScopedQuerySet):
        def for_resident(self, user):
            today = timezone.localdate()
            matching = Notice.objects.filter(targets_resident(user)).values("pk")
            return self.published().current(today).filter(pk__in=matching)

        def published(self):
            return self.filter(status=Notice.Status.PUBLISHED)

        def current(self, today: date):
            return self.filter(start_date__lte=today, end_date__gte=today)

        def with_read_by(self, user):
            return self.annotate(is_read=Exists(NoticeRead.objects.filter(notice=OuterRef("pk"), user=user)))

    objects = QuerySet.as_manager()

    class Meta:
        verbose_name = _("notice")
        verbose_name_plural = _("notices")
        ordering = ["-start_date", "-pk"]
        permissions = [("publish_notice", _("Can publish and withdraw notices"))]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__gte=models.F("start_date")), name="notice_ends_after_start"
            )
        ]
        indexes = [models.Index(fields=["estate", "status", "end_date"], name="notice_current_idx")]

    def __str__(self) -> str:
        return self.title


class NoticeEvent(models.Model):
    """One line of a notice's timeline: a transition (who, when, from, to, note)."""

    notice = models.ForeignKey(
        Notice, on_delete=models.CASCADE, related_name="events", verbose_name=_("notice")
    )
    action = models.CharField(_("action"), max_length=40)
    from_status = models.CharField(_("from"), max_length=12, choices=Notice.Status.choices, blank=True)
    to_status = models.CharField(_("to"), max_length=12, choices=Notice.Status.choices, blank=True)
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
        estate_lookup = "notice__estate"

    objects = QuerySet.as_manager()

    class Meta:
        verbose_name = _("notice event")
        verbose_name_plural = _("notice events")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.notice} {self.action}"


class NoticeRead(models.Model):
    """A resident opened the notice: kept once per user (the first time)."""

    notice = models.ForeignKey(
        Notice, on_delete=models.CASCADE, related_name="reads", verbose_name=_("notice")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("reader")
    )
    read_at = models.DateTimeField(_("read at"), default=timezone.now)

    class QuerySet(ScopedQuerySet):
        estate_lookup = "notice__estate"

    objects = QuerySet.as_manager()

    class Meta:
        verbose_name = _("notice read receipt")
        verbose_name_plural = _("notice read receipts")
        ordering = ["-read_at", "-pk"]
        constraints = [models.UniqueConstraint(fields=["notice", "user"], name="notice_read_once_per_user")]

    def __str__(self) -> str:
        return f"{self.notice_id} · {self.user_id}"
