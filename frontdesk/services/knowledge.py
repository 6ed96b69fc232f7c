"""The desk knowledge base's writes (the manager, through the admin or the API)."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from frontdesk.models import KnowledgeEntry
from frontdesk.services._common import require_estate, require_perm
from servicecenter.exceptions import DomainError
from servicecenter.scoping import access_for

EDITABLE = ("estate", "topic", "kind", "language", "title", "body", "keywords", "is_active", "sort_order")


def _clean(values: dict) -> dict:
    values = {k: v for k, v in values.items() if k in EDITABLE}
    for name in ("title", "body", "keywords"):
        if name in values:
            values[name] = (values[name] or "").strip()
    if "title" in values and not values["title"]:
        raise DomainError(_("Enter a title."), code="title_required")
    if "body" in values and not values["body"]:
        raise DomainError(_("Enter the text."), code="body_required")
    return values


def _require_reach(actor, estate) -> None:
    if estate is None:
        # A company-wide entry is read in every estate: only someone who sees them all sets it.
        if not access_for(actor).all_estates:
            raise DomainError(
                _("Choose your estate; only the company edits entries for every estate."),
                code="estate_required",
            )
        return
    require_estate(actor, estate.pk)


def _save(entry: KnowledgeEntry) -> KnowledgeEntry:
    try:
        with transaction.atomic():
            entry.save()
    except IntegrityError:
        raise DomainError(
            _("An entry with this title already exists in this language."), code="duplicate_title"
        ) from None
    return entry


@transaction.atomic
def create_knowledge_entry(*, actor, **values) -> KnowledgeEntry:
    require_perm(actor, "frontdesk.add_knowledgeentry", _("You are not allowed to edit the knowledge base."))
    values = _clean(values)
    _require_reach(actor, values.get("estate"))
    return _save(KnowledgeEntry(**values))


@transaction.atomic
def update_knowledge_entry(*, actor, entry: KnowledgeEntry, **values) -> KnowledgeEntry:
    require_perm(
        actor, "frontdesk.change_knowledgeentry", _("You are not allowed to edit the knowledge base.")
    )
    _require_reach(actor, entry.estate)
    values = _clean(values)
    if "estate" in values:
        _require_reach(actor, values["estate"])
    for name, value in values.items():
        setattr(entry, name, value)
    return _save(entry)
