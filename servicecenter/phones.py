"""How a phone may be searched: by its full digits or by exactly its last four, nothing between.

Screens show phones masked (138****8000): the first three and last four digits. If a search
matched any fragment of the stored number, anyone could recover the hidden middle one digit at a
time (1380, 13800, 138001, ... each answered "found" or "not found"). So a phone matches a query
only when the query is the whole number or its last four digits, which the mask shows anyway.
Phones are stored normalised (`servicecenter.validators.normalize_phone`), so the comparison is
exact on digits and a number typed with dashes or spaces finds the same row.
"""

from __future__ import annotations

import re

from django.db.models import Q
from django.db.models.functions import Right
from django.db.models.lookups import Exact

from servicecenter.validators import normalize_phone

LAST_DIGITS = 4
# The shortest full number searched as a whole: a mainland mobile, or a landline with its area
# code (010-12345678). Anything from 5 to 10 digits is a fragment and matches no phone.
MIN_FULL_DIGITS = 11

_PHONE_QUERY_RE = re.compile(r"^\+?[\d\s\-().]+$")

# Names of fields that hold a phone or an ID number somewhere in the project. No filter, ordering,
# admin lookup or search may narrow by a part of them (see servicecenter.ordering and the admin).
SECRET_FIELD_NAMES = frozenset(
    {
        "mobile",
        "other_phones",
        "emergency_contact_phone",
        "reporter_phone",
        "id_number_hash",
        "id_number_ciphertext",
    }
)


def phone_search_digits(query: str) -> str | None:
    """The normalised digits to match phones with, or None when `query` may not match a phone."""
    text = (query or "").strip()
    if not _PHONE_QUERY_RE.match(text):
        return None
    digits = normalize_phone(text)
    if len(digits) == LAST_DIGITS or len(digits) >= MIN_FULL_DIGITS:
        return digits
    return None


def last_digits(field: str) -> Right:
    """The last four digits of the phone at `field`. A column searched often by them gets an
    index on this expression (`models.Index(last_digits("mobile"), ...)`) and is matched with
    `phone_q(..., keyed=True)`: an equality on the key, not a LIKE '%1234' that no B-tree serves
    and that a trigram index answers only with a recheck of every number holding "123" and "234".
    """
    return Right(field, LAST_DIGITS)


def phone_q(field: str, digits: str, *, listed: bool = False, keyed: bool = False) -> Q:
    """Matches rows whose phone at `field` is `digits` in full or ends with them (four digits).

    `listed` is for a comma-separated list of normalised phones ("075588881234, 13800138000"):
    each entry is compared as a whole. `digits` comes from `phone_search_digits`: only digits, so
    it is safe inside the regular expression. A regex (not a LIKE) on PostgreSQL can still use the
    trigram index on the column. `keyed` is for a single phone with an index on `last_digits`.
    """
    if not digits.isdigit():
        return Q(pk__in=[])
    if len(digits) == LAST_DIGITS:
        if listed:
            return Q(**{f"{field}__regex": rf"{digits}(,|$)"})
        if keyed:
            return Q(Exact(last_digits(field), digits))
        return Q(**{f"{field}__endswith": digits})
    if len(digits) < MIN_FULL_DIGITS:
        return Q(pk__in=[])
    if listed:
        return Q(**{f"{field}__regex": rf"(^|, ){digits}(,|$)"})
    return Q(**{field: digits})
