"""The API's ordering filter: DRF's, except that it never sorts by a phone or an ID number."""

from __future__ import annotations

import re

from django.db.models.constants import LOOKUP_SEP
from rest_framework.filters import OrderingFilter

from servicecenter.phones import SECRET_FIELD_NAMES

_SECRET_PART_RE = re.compile(r"mobile|phone|id_number")


def is_secret_ordering(term: str) -> bool:
    parts = term.lstrip("-").split(LOOKUP_SEP)
    return any(part in SECRET_FIELD_NAMES or _SECRET_PART_RE.search(part) for part in parts)


class SafeOrderingFilter(OrderingFilter):
    """Drops `?ordering=` terms on phones and ID numbers, as DRF drops unknown fields.

    Sorting by a hidden value is a search in disguise: where a person lands between rows whose
    numbers are known tells the hidden digits, a bisection away. This holds whatever a view lists
    in `ordering_fields` (or "__all__", or the serializer's fields when it lists none).
    """

    def remove_invalid_fields(self, queryset, fields, view, request):
        valid = super().remove_invalid_fields(queryset, fields, view, request)
        return [term for term in valid if not is_secret_ordering(term)]
