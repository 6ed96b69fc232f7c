"""Screen-shaped reads of the archive. Every selector takes the viewing user and scopes by it."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime

from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from residents.models import (
    ArchiveDocument,
    Estate,
    HouseholdRequest,
    Occupancy,
    Pass,
    Person,
    SensitiveAccessLog,
    Unit,
)
from servicecenter.phones import MIN_FULL_DIGITS, phone_q, phone_search_digits
from servicecenter.scoping import access_for
from servicecenter.validators import normalize_mobile, normalize_phone


def estates_visible_to(user) -> QuerySet[Estate]:
    """The estates the user may work in (all of them for the company and superusers)."""
    return Estate.objects.visible_to(user)


_UNIT_CODE_RE = re.compile(r"^[0-9A-Za-z]+(-[0-9A-Za-z]*)+$")
_DIGITS_RE = re.compile(r"^\+?[\d\s\-().]+$")


@dataclass(frozen=True)
class ArchiveQuery:
    """What someone typed into a search box at the desk, and what it looks like.

    `kind` is "unit" for a unit code (3-2-1101, 3-2-); "phone" for a whole phone number (11 or
    more digits; a mobile typed with dashes, 139-1234-5678, is a phone, not a unit) or exactly four
    digits (the last four of a phone); "number" for other digits, which match unit codes only: a
    fragment of a phone must never find anyone (servicecenter.phones); else "name". Every
    type-ahead (global search, new ticket, cashier) and the person filter read queries through
    this one parser.
    """

    text: str
    kind: str
    digits: str

    def unit_q(self, path: str = "") -> Q:
        """Matches a unit (at `path`, e.g. "unit__") for this query.

        A unit found through its occupants is matched by primary key in a subquery (the people
        found through their own index, then their occupancies), never by joining every occupancy:
        the database starts from the few rows that match what was typed and has no duplicates to
        remove (issue #16: the join with DISTINCT read every unit of a 50,000-unit estate).
        """
        by_code = Q(**{f"{path}code__istartswith": self.text})
        if self.kind in ("unit", "number"):
            return by_code
        if self.kind == "phone":
            people = Person.objects.filter(self.person_q()).values("pk")
            return Q(**{f"{path}pk__in": Occupancy.objects.filter(person__in=people).values("unit_id")})
        # Either side may match; a union keeps both index-driven, where an OR of the two would
        # test the occupants' names unit by unit.
        by_occupant = Occupancy.objects.filter(person__name__icontains=self.text).values("unit_id")
        by_code_ids = Unit.objects.filter(code__istartswith=self.text).values("pk")
        return Q(**{f"{path}pk__in": by_code_ids.order_by().union(by_occupant.order_by())})

    def person_q(self, path: str = "") -> Q:
        """Matches a person (at `path`, e.g. "person__") for this query; through a subquery on
        occupancies for a unit code, like `unit_q`."""
        if self.kind in ("unit", "number"):
            units = Unit.objects.filter(code__istartswith=self.text).values("pk")
            return Q(**{f"{path}pk__in": Occupancy.objects.filter(unit__in=units).values("person_id")})
        if self.kind == "phone":
            return phone_q(f"{path}mobile", self.digits, keyed=True) | phone_q(
                f"{path}other_phones", self.digits, listed=True
            )
        return Q(**{f"{path}name__icontains": self.text})


def parse_archive_query(query: str) -> ArchiveQuery:
    text = (query or "").strip()
    phone_digits = phone_search_digits(text)
    if _UNIT_CODE_RE.match(text) and not (phone_digits and len(phone_digits) >= MIN_FULL_DIGITS):
        return ArchiveQuery(text, "unit", normalize_mobile(text))
    if phone_digits:
        return ArchiveQuery(text, "phone", phone_digits)
    if text and _DIGITS_RE.match(text):
        return ArchiveQuery(text, "number", normalize_phone(text))
    return ArchiveQuery(text, "name", normalize_mobile(text))


def persons_matching(queryset: QuerySet[Person], query: str) -> QuerySet[Person]:
    """People matching a name or a phone typed into a person box (the person filter and the
    desk's pickers): a whole phone or exactly its last four, never a fragment of one
    (servicecenter.phones); a unit code or other digits find no one here."""
    parsed = parse_archive_query(query)
    if not parsed.text:
        return queryset
    if parsed.kind == "phone":
        return queryset.filter(parsed.person_q())
    if parsed.kind in ("unit", "number"):
        return queryset.none()
    return queryset.filter(name__icontains=parsed.text)


@dataclass
class SearchResults:
    units: list[Unit]
    persons: list[Person]

    @property
    def is_empty(self) -> bool:
        return not (self.units or self.persons)


def search_archive(*, user, query: str, limit: int = 20) -> SearchResults:
    """Find units and people by unit code (3-2-1101), phone (full or last four digits) or name.

    One query for each list, each driven by an index on what was typed: the code's prefix
    (`residents_unit_code_upper_prefix`), the phone or its last four digits
    (`person_mobile_last_four_idx`), a name's trigrams; `ArchiveQuery` reaches what those rows
    link to by primary key. No DISTINCT: nothing here joins a many-valued relation.
    """
    parsed = parse_archive_query(query)
    units = Unit.objects.visible_to(user).select_related("estate", "building").filter(parsed.unit_q())
    persons = Person.objects.visible_to(user).select_related("estate").filter(parsed.person_q())
    return SearchResults(
        units=list(units.order_by("code", "pk")[:limit]), persons=list(persons.order_by("name", "pk")[:limit])
    )


def units_for_list(*, user) -> QuerySet[Unit]:
    return Unit.objects.visible_to(user).select_related("estate", "building").order_by("estate__code", "code")


def persons_for_list(*, user) -> QuerySet[Person]:
    return Person.objects.visible_to(user).select_related("estate").order_by("name", "pk")


def unit_for_page(*, user, pk: int) -> Unit:
    """One unit with its occupants and documents, or Unit.DoesNotExist when out of the user's reach."""
    return (
        Unit.objects.visible_to(user)
        .select_related("estate", "building")
        .prefetch_related(
            Prefetch(
                "occupancies",
                queryset=Occupancy.objects.select_related("person").order_by(
                    "end_date", "role", "start_date"
                ),
            ),
            Prefetch("documents", queryset=ArchiveDocument.objects.select_related("uploaded_by")),
        )
        .get(pk=pk)
    )


def _current_occupancies(*, with_person: bool = False, with_unit: bool = False) -> Prefetch:
    queryset = Occupancy.objects.current()
    related = [name for name, wanted in (("person", with_person), ("unit", with_unit)) if wanted]
    if related:
        queryset = queryset.select_related(*related)
    return Prefetch("occupancies", queryset=queryset.order_by("role", "pk"), to_attr="current_occupancies")


def units_for_desk_list(*, user) -> QuerySet[Unit]:
    """Units for the desk list, each with `current_occupancies` (and their people) prefetched."""
    return (
        units_for_list(user=user)
        # Floor before room number, so that 3-2-201 comes before 3-2-1001. Only the unit's own
        # columns, in the order of unit_desk_order_idx: the first page is an index scan, not a sort.
        .order_by("estate_id", "building_id", "entrance", "floor", "number", "pk")
        .prefetch_related(_current_occupancies(with_person=True))
    )


def persons_for_desk_list(*, user) -> QuerySet[Person]:
    """People for the desk list, each with `current_occupancies` (and their units) prefetched."""
    return persons_for_list(user=user).prefetch_related(_current_occupancies(with_unit=True))


def person_for_page(*, user, pk: int) -> Person:
    """One person with every occupancy and document, or Person.DoesNotExist when out of reach."""
    return (
        Person.objects.visible_to(user)
        .select_related("estate", "user")
        .prefetch_related(
            Prefetch(
                "occupancies",
                queryset=Occupancy.objects.select_related("unit").order_by("end_date", "role", "start_date"),
            ),
            Prefetch("documents", queryset=ArchiveDocument.objects.select_related("uploaded_by", "unit")),
        )
        .get(pk=pk)
    )


def split_occupancies(occupancies, *, today: date) -> tuple[list[Occupancy], list[Occupancy]]:
    """(current and upcoming, ended) from an already-fetched list of occupancies."""
    current = [o for o in occupancies if o.end_date is None or o.end_date >= today]
    ended = [o for o in occupancies if o.end_date is not None and o.end_date < today]
    return current, ended


def access_log_for_list(*, user) -> QuerySet[SensitiveAccessLog]:
    return (
        SensitiveAccessLog.objects.visible_to(user)
        .select_related("estate", "actor", "person")
        .order_by("-created_at", "-pk")
    )


def persons_to_pick(*, user, estate_id: int, query: str, limit: int = 20) -> list[Person]:
    """People of one estate matching a name or phone digits, to link to a unit at the desk."""
    candidates = (
        Person.objects.visible_to(user)
        .filter(estate_id=estate_id)
        .prefetch_related(_current_occupancies(with_unit=True))
    )
    return list(persons_matching(candidates, query).order_by("name", "pk")[:limit])


# --- Household: who pays and who sees the bills ----------------------------------------------


def default_payer_key(occupancy: Occupancy) -> tuple:
    """Order of the default payer among a unit's current occupants: the owner, else a co-owner,
    the one who moved in first."""
    rank = Occupancy.BILL_ROLES.index(occupancy.role) if occupancy.role in Occupancy.BILL_ROLES else 99
    return (rank, occupancy.start_date or date.min, occupancy.pk)


def pick_payer(occupancies) -> Occupancy | None:
    """The payer among one unit's current occupancies: the one named payer, else the default
    (an owner or co-owner); None when the unit has neither."""
    occupancies = list(occupancies)
    for occupancy in occupancies:
        if occupancy.is_payer:
            return occupancy
    owners = [o for o in occupancies if o.role in Occupancy.BILL_ROLES]
    return min(owners, key=default_payer_key) if owners else None


def payers_by_unit(unit_ids, *, today: date | None = None) -> dict[int, Occupancy]:
    """The payer of each unit (one query), with `person` loaded. A unit whose named payer has
    moved out falls back to its owner here even before any service has moved the flag."""
    by_unit: dict[int, list[Occupancy]] = {}
    for occupancy in (
        Occupancy.objects.current(today)
        .filter(unit_id__in=list(unit_ids))
        .filter(Q(is_payer=True) | Q(role__in=Occupancy.BILL_ROLES))
        .select_related("person")
    ):
        by_unit.setdefault(occupancy.unit_id, []).append(occupancy)
    found = {unit_id: pick_payer(rows) for unit_id, rows in by_unit.items()}
    return {unit_id: payer for unit_id, payer in found.items() if payer is not None}


@dataclass(frozen=True)
class HouseholdUnit:
    unit: Unit
    occupancies: list[Occupancy]
    payer: Occupancy | None
    may_manage: bool
    # Only an owner asks the centre to add a household member or a tenant (issue #14).
    may_ask: bool = False


def household_for_portal(*, user, today: date | None = None) -> list[HouseholdUnit]:
    """The units the resident occupies today, each with its current occupants, its payer and
    whether this resident (an owner or co-owner) may change them. Two queries."""
    units = list(
        Unit.objects.for_resident(user)
        .select_related("estate")
        .prefetch_related(
            Prefetch(
                "occupancies",
                queryset=Occupancy.objects.current(today).select_related("person").order_by("role", "pk"),
                to_attr="current_occupancies",
            )
        )
        .order_by("code", "pk")
    )
    result = []
    for unit in units:
        rows = unit.current_occupancies
        mine = [o for o in rows if o.person.user_id == user.pk]
        result.append(
            HouseholdUnit(
                unit=unit,
                occupancies=rows,
                payer=pick_payer(rows),
                may_manage=any(o.role in Occupancy.BILL_ROLES for o in mine),
                may_ask=any(o.role == Occupancy.Role.OWNER for o in mine),
            )
        )
    return result


def household_requests_for_portal(*, user) -> dict[int, list]:
    """The household requests of the units this resident owns today (an owner's own business: a
    tenant does not see who else was asked for), newest first, by unit id. One query."""
    owned = Occupancy.objects.current().filter(person__user=user, role=Occupancy.Role.OWNER).values("unit_id")
    by_unit: dict[int, list] = {}
    for row in HouseholdRequest.objects.filter(unit__in=owned).order_by("-requested_at", "-pk")[:100]:
        by_unit.setdefault(row.unit_id, []).append(row)
    return by_unit


# --- Passes (装修出入证, 搬家放行条, shop staff, resident cards) ----------------------------------


def normalize_pass_number(value: str) -> str:
    """A pass number as typed at the gate: full-width characters folded (ＬＪＹ → LJY, － → -),
    every space dropped, upper case. "ljyp 2026-000123" finds LJYP2026-000123."""
    text = unicodedata.normalize("NFKC", value or "")
    return "".join(text.split()).upper()


def passes_for_list(*, user) -> QuerySet[Pass]:
    """Passes the user may see (staff: their estates; residents: their units'), newest first,
    with what a list row shows loaded in the same query."""
    return Pass.objects.visible_to(user).select_related("estate", "unit").order_by("-issued_at", "-pk")


def pass_for_page(*, user, pk: int) -> Pass:
    """One pass within the user's reach, with who issued and revoked it; Http404 otherwise."""
    found = (
        Pass.objects.visible_to(user)
        .select_related("estate", "unit", "issued_by", "revoked_by")
        .filter(pk=pk)
        .first()
    )
    if found is None:
        raise Http404(_("No such pass."))
    return found


def passes_for_unit(*, user, unit: Unit, limit: int = 10) -> list[Pass]:
    """The unit's latest passes for the unit page: one query however many there are."""
    return list(passes_for_list(user=user).filter(unit=unit)[:limit])


@dataclass(frozen=True)
class PassCheck:
    """The gate's answer for one pass at one moment (`verify_pass`). `reason` is "" for a valid
    pass, else "revoked", "expired" or "not_yet_valid"; `reason_text` says it in the user's
    language (with the revoke reason for a revoked pass)."""

    pass_id: int
    number: str
    valid: bool
    reason: str
    reason_text: str
    revoke_reason: str
    kind: str
    kind_label: str
    holder_name: str
    holder_id_masked: str
    holder_mobile_masked: str
    unit_code: str
    estate_name: str
    allowed_hours: str
    gate_notes: str
    valid_from: datetime
    valid_until: datetime
    checked_at: datetime


def _local(moment: datetime) -> str:
    return date_format(timezone.localtime(moment), "Y-m-d H:i")


def _reason_text(pass_: Pass, state: str) -> str:
    if state == "revoked":
        return _("Revoked: %(reason)s") % {"reason": pass_.revoke_reason or "—"}
    if state == "expired":
        return _("Expired at %(moment)s") % {"moment": _local(pass_.valid_until)}
    if state == "not_yet_valid":
        return _("Not valid before %(moment)s") % {"moment": _local(pass_.valid_from)}
    return _("Valid until %(moment)s") % {"moment": _local(pass_.valid_until)}


def _find_pass(queryset: QuerySet[Pass], number: str) -> Pass | None:
    # Numbers are issued upper case (the estate code, "P", the year): the exact match uses the
    # unique index; an estate code with lower-case letters is still found, more slowly.
    return queryset.filter(number=number).first() or queryset.filter(number__iexact=number).first()


def verify_pass(*, number: str, user, now: datetime | None = None) -> PassCheck:
    """Whether the pass with this number lets its holder in now, for a staff member at the gate.

    Valid means not revoked, `valid_from <= now < valid_until` (the end is exclusive: a pass
    ending at midnight no longer opens the gate at midnight). Http404 for an unknown number, one
    outside the staff member's estates, or a user who is not staff: the gate must not confirm
    that another estate's pass exists."""
    now = now or timezone.now()
    normalized = normalize_pass_number(number)
    # No number is longer than the column, and PostgreSQL refuses NUL in a string: both are
    # simply not a pass (never a 500 at the gate).
    too_long = len(normalized) > Pass._meta.get_field("number").max_length
    if not normalized or too_long or "\x00" in normalized or not access_for(user).is_staff_member:
        raise Http404(_("No such pass."))
    pass_ = _find_pass(Pass.objects.visible_to(user).select_related("estate", "unit"), normalized)
    if pass_ is None:
        raise Http404(_("No such pass."))
    state = pass_.state_at(now)
    return PassCheck(
        pass_id=pass_.pk,
        number=pass_.number,
        valid=state == "valid",
        reason="" if state == "valid" else state,
        reason_text=_reason_text(pass_, state),
        revoke_reason=pass_.revoke_reason if state == "revoked" else "",
        kind=pass_.kind,
        kind_label=str(pass_.get_kind_display()),
        holder_name=pass_.holder_name,
        holder_id_masked=pass_.holder_id_masked,
        holder_mobile_masked=pass_.holder_mobile_masked,
        unit_code=pass_.unit.code if pass_.unit_id else "",
        estate_name=pass_.estate.name,
        allowed_hours=pass_.allowed_hours,
        gate_notes=pass_.gate_notes,
        valid_from=pass_.valid_from,
        valid_until=pass_.valid_until,
        checked_at=now,
    )
