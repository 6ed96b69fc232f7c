"""Who may use what: the one authorization matrix of the project (data and helpers only).

Every URL name in the URLconf and every API viewset action has an entry here; tests walk the
URLconf and the router and fail for anything without one (tests/servicecenter/test_authz_matrix.py),
and check with a real user per role that each entry is what the code does. The code enforces it
where it always has (desk_page/portal_page permissions, DRF permission classes, `visible_to`);
this table is the declaration a reviewer reads and the tests hold the code to.

A rule is a set of role names, or one of:
  PUBLIC         anyone, signed in or not (health check, login, language switch)
  AUTHENTICATED  any signed-in user, who sees only their own rows (notifications, API root)
Staff roles see their own estates only (`visible_to`), technicians their own work only; the
resident role means the resident portal and the API, scoped to the units the person occupies
today. An entry ending in ":*" covers a whole namespace that guards itself (the Django admin:
is_staff plus model permissions).

WRITABLE_FIELDS lists, per input and per kind of user, the fields they may send on create and
update; a field outside the list is refused with a 400 that names it.
"""

from __future__ import annotations

from collections.abc import Iterable

PUBLIC = frozenset({"public"})
AUTHENTICATED = frozenset({"authenticated"})

RESIDENT = "resident"
FRONTDESK = "frontdesk"
CLERK = "clerk"
HOUSEKEEPER = "housekeeper"
TECHNICIAN = "technician"
SUPERVISOR = "supervisor"
MANAGER = "manager"
COMPANY = "company"
STAFF_ROLES = (FRONTDESK, CLERK, HOUSEKEEPER, TECHNICIAN, SUPERVISOR, MANAGER, COMPANY)
ROLES = (RESIDENT, *STAFF_ROLES)


def roles(*names: str) -> frozenset[str]:
    unknown = set(names) - set(ROLES)
    if unknown:
        raise ValueError(f"unknown roles: {sorted(unknown)}")
    return frozenset(names)


def all_staff_but(*names: str) -> frozenset[str]:
    return frozenset(STAFF_ROLES) - roles(*names)


NOBODY: frozenset[str] = frozenset()
ALL_STAFF = frozenset(STAFF_ROLES)
RESIDENTS = roles(RESIDENT)


def allows(rule: frozenset[str], role: str | None) -> bool:
    """Whether the rule lets a user of `role` in (None: not signed in)."""
    if rule == PUBLIC:
        return True
    if role is None:
        return False
    return rule == AUTHENTICATED or role in rule


def rule_for_url(name: str) -> frozenset[str] | None:
    if name in URLS:
        return URLS[name]
    namespace = name.split(":", 1)[0]
    return URLS.get(f"{namespace}:*") if ":" in name else None


# --- fields each kind of user may write -------------------------------------------------------

ALL_FIELDS = None  # no restriction beyond the serializer's own fields

WRITABLE_FIELDS: dict[str, dict[str, frozenset[str] | None]] = {
    # A resident reports what and where; the centre decides priority, team, assignee, whether it
    # is a paid service and whether it is a major complaint. `channel` is accepted (a portal
    # client may say "portal") but the service makes every resident's ticket a portal ticket.
    "tickets.ticket.create": {
        "resident": frozenset(
            {"kind", "category", "description", "unit", "location", "channel", "idempotency_key"}
        ),
        "staff": ALL_FIELDS,
    },
}


def forbidden_fields(resource: str, *, is_staff_member: bool, submitted: Iterable[str]) -> list[str]:
    """The submitted fields this kind of user may not write, sorted (empty: all allowed)."""
    allowed = WRITABLE_FIELDS[resource]["staff" if is_staff_member else "resident"]
    if allowed is ALL_FIELDS:
        return []
    return sorted(set(submitted) - allowed)


# --- the matrix ---------------------------------------------------------------------------------

URLS: dict[str, frozenset[str]] = {}
API: dict[str, frozenset[str]] = {}
