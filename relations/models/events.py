"""Community events (社区活动: at least twice a year): the centre publishes an event with its time,
place, capacity and sign-up deadline for an estate or some of its buildings; residents sign up
the members of their household (each once), within the capacity and before the deadline, and
may cancel until the deadline. The states are declared once in `relations.workflows`."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from relations.models.notices import targets_resident
from residents.models import resident_unit_ids
from servicecenter.scoping import ScopedQuerySet


class CommunityEvent(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", pgettext_lazy("event status", "Draft")
        PUBLISHED = "published", pgettext_lazy("event status", "Published")
        CANCELLED = "cancelled", pgettext_lazy("event status", "Cancelled")

    estate = models.ForeignKey(
        "residents.Estate",
        on_delete=models.PROTECT,
        related_name="community_events",
        verbose_name=_("estate"),
    )
    buildings = models.ManyToManyField(
        "residents.Building", blank=True, related_name="community_events", verbose_name=_("buildings")
    )
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    place = models.CharField(_("place"), max_length=200)
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    capacity = models.PositiveIntegerField(_("places"))
    signup_deadline = models.DateTimeField(_("sign-up deadline"))
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class QuerySet(ScopedQuerySet):
        def for_resident(self, user):
            matching = CommunityEvent.objects.filter(targets_resident(user)).values("pk")
            # Published events of their buildings; a past one stays readable for a week.
            since = timezone.now() - timedelta(days=7)
            return self.filter(status=CommunityEvent.Status.PUBLISHED, ends_at__gte=since, pk__in=matching)

    objects = QuerySet.as_manager()

    class Meta:
        verbose_name = _("community event")
        verbose_name_plural = _("community events")
        ordering = ["-starts_at", "-pk"]
        permissions = [("publish_communityevent", _("Can publish and cancel community events"))]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="event_ends_after_start"
            ),
            models.CheckConstraint(
                condition=Q(signup_deadline__lte=models.F("starts_at")), name="event_deadline_before_start"
            ),
            models.CheckConstraint(condition=Q(capacity__gt=0), name="event_capacity_positive"),
        ]

    def __str__(self) -> str:
        return self.title

    def signups_open(self, now) -> bool:
        return self.status == self.Status.PUBLISHED and now <= self.signup_deadline


class CommunityEventEvent(models.Model):
    """One line of an event's timeline: a transition (who, when, from, to, note)."""

    community_event = models.ForeignKey(
        CommunityEvent, on_delete=models.CASCADE, related_name="events", verbose_name=_("community event")
    )
    action = models.CharField(_("action"), max_length=40)
    from_status = models.CharField(
        _("from"), max_length=12, choices=CommunityEvent.Status.choices, blank=True
    )
    to_status = models.CharField(_("to"), max_length=12, choices=CommunityEvent.Status.choices, blank=True)
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
        estate_lookup = "community_event__estate"

    objects = QuerySet.as_manager()

    class Meta:
        verbose_name = _("community event timeline entry")
        verbose_name_plural = _("community event timeline")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.community_event} {self.action}"


class EventSignup(models.Model):
    """One household member signed up for an event (by themselves or a member of their household)."""

    community_event = models.ForeignKey(
        CommunityEvent, on_delete=models.CASCADE, related_name="signups", verbose_name=_("community event")
    )
    person = models.ForeignKey(
        "residents.Person",
        on_delete=models.PROTECT,
        related_name="event_signups",
        verbose_name=_("participant"),
    )
    unit = models.ForeignKey(
        "residents.Unit", on_delete=models.PROTECT, related_name="event_signups", verbose_name=_("unit")
    )
    signed_up_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("signed up by")
    )
    created_at = models.DateTimeField(_("signed up at"), default=timezone.now)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)

    class QuerySet(ScopedQuerySet):
        estate_lookup = "community_event__estate"

        def for_resident(self, user):
            return self.filter(unit__in=resident_unit_ids(user))

        def active(self):
            return self.filter(cancelled_at__isnull=True)

    objects = QuerySet.as_manager()

    class Meta:
        verbose_name = _("event sign-up")
        verbose_name_plural = _("event sign-ups")
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["community_event", "person"],
                condition=Q(cancelled_at__isnull=True),
                name="event_signup_once_per_person",
            )
        ]

    def __str__(self) -> str:
        return f"{self.community_event} · {self.person}"
