"""The desk knowledge base (答客问, 快捷短语): standard answers and short phrases the desk reads
out or pastes into a reply, per estate or company-wide, by topic and language. Kept by the
manager in the admin."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from servicecenter.scoping import ScopedQuerySet, access_for


class KnowledgeEntry(models.Model):
    class Topic(models.TextChoices):
        HOURS = "hours", _("Opening hours")
        FEES = "fees", _("Fees")
        RULES = "rules", _("Rules")
        CONTACTS = "contacts", _("Contacts")
        OTHER = "other", pgettext_lazy("knowledge topic", "Other")

    class Kind(models.TextChoices):
        ANSWER = "answer", _("Standard answer")
        PHRASE = "phrase", _("Short phrase")

    class Language(models.TextChoices):
        ZH_HANS = "zh-hans", "简体中文"
        EN = "en", "English"

    # Empty: every estate of the company.
    estate = models.ForeignKey(
        "residents.Estate",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("estate"),
        help_text=_("Leave empty for every estate."),
    )
    topic = models.CharField(_("topic"), max_length=12, choices=Topic.choices, default=Topic.OTHER)
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices, default=Kind.ANSWER)
    language = models.CharField(_("language"), max_length=8, choices=Language.choices)
    title = models.CharField(_("title"), max_length=120)
    body = models.TextField(_("text"))
    keywords = models.CharField(_("keywords"), max_length=200, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    sort_order = models.PositiveSmallIntegerField(_("order"), default=100)

    class QuerySet(ScopedQuerySet):
        def visible_to(self, user):
            # Company-wide entries are for every staff member; an estate's own for its staff.
            access = access_for(user)
            if access.all_estates:
                return self
            if access.is_staff_member:
                return self.filter(Q(estate__isnull=True) | Q(estate__in=sorted(access.estate_ids)))
            return self.none()

        def for_resident(self, user):
            return self.none()

    objects = QuerySet.as_manager()

    class Meta:
        verbose_name = _("desk knowledge entry")
        verbose_name_plural = _("desk knowledge entries")
        ordering = ["topic", "sort_order", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["estate", "language", "title"], name="knowledge_entry_title_unique"
            )
        ]
        indexes = [models.Index(fields=["language", "is_active", "topic"], name="knowledge_search_idx")]

    def __str__(self) -> str:
        return self.title
