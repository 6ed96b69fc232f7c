"""Who may see what: the one mechanism that scopes every query, page, API list and admin.

Staff see the estates of their staff profile; the `company` role (permission
`staff.view_all_estates`) and superusers see every estate; residents see only what belongs to
the units they currently occupy. Models opt in by using `ScopedQuerySet` (or a subclass) as their
manager and naming the path to their estate in `estate_lookup`; they describe what a resident may
see by overriding `for_resident`.

The kernel imports no app. Where a staff member works is known only to the staff app, so it
registers a provider (`register_staff_reach`, from `StaffConfig.ready()`) that answers for one
user. A registered callable rather than `apps.get_model("staff", ...)`: a model looked up by
name is still a dependency on that app, only hidden from the import graph; the provider keeps
the query and its field names in the app that owns them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from django.core.exceptions import ImproperlyConfigured
from django.db import models

from servicecenter import usercache

_CACHE_ATTR = "_servicecenter_access"


@dataclass(frozen=True)
class Access:
    all_estates: bool = False
    estate_ids: frozenset[int] = field(default_factory=frozenset)
    is_staff_member: bool = False
    is_resident: bool = False
    # Staff who see only their own work (technicians: no `tickets.view_all_tickets`): the archive
    # narrows to the units and people of the tickets assigned to them or to their team.
    own_work_only: bool = False
    team_ids: frozenset[int] = field(default_factory=frozenset)
    # In the portal, the units the resident occupies today, read once by `portal_page`: every
    # panel's `for_resident` then filters by these ids instead of repeating the occupancy subquery.
    unit_ids: tuple[int, ...] | None = None

    @property
    def sees_nothing(self) -> bool:
        return not (self.all_estates or self.estate_ids or self.is_resident)


@dataclass(frozen=True)
class StaffReach:
    """What the staff app knows of one staff member: the estates and teams they work for."""

    estate_ids: frozenset[int] = field(default_factory=frozenset)
    team_ids: frozenset[int] = field(default_factory=frozenset)


# Answers None for a user without a staff profile. One provider per process: the staff app's.
StaffReachProvider = Callable[[object], StaffReach | None]
_staff_reach_provider: StaffReachProvider | None = None


def register_staff_reach(provider: StaffReachProvider) -> None:
    global _staff_reach_provider
    _staff_reach_provider = provider


def _staff_reach(user) -> StaffReach | None:
    if _staff_reach_provider is None:
        # Fail loudly: without the provider every staff member would look like a stranger.
        raise ImproperlyConfigured("No staff reach provider: is the staff app in INSTALLED_APPS?")
    return _staff_reach_provider(user)


def access_for(user) -> Access:
    """The user's reach, computed once per request object and cached on the user, and kept in
    process memory while the user's stamp holds (`servicecenter.usercache`)."""
    if user is None or not user.is_authenticated or not user.is_active:
        return Access()
    cached = getattr(user, _CACHE_ATTR, None)
    if cached is not None:
        return cached
    # Across requests, while the user's stamp holds (any change of role or reach bumps it).
    access = usercache.remember(user, "access", lambda: _compute_access(user))
    setattr(user, _CACHE_ATTR, access)
    return access


def _compute_access(user) -> Access:
    reach = _staff_reach(user)
    if user.is_superuser or user.has_perm("staff.view_all_estates"):
        access = Access(all_estates=True, is_staff_member=True)
    elif reach is not None:
        access = Access(
            estate_ids=reach.estate_ids,
            is_staff_member=True,
            own_work_only=not user.has_perm("tickets.view_all_tickets"),
            team_ids=reach.team_ids,
        )
    else:
        access = Access(is_resident=user.groups.filter(name="resident").exists())
    return access


def enter_portal(user, *, unit_ids: tuple[int, ...] | None = None) -> None:
    """For the rest of this request the user is only a resident: every `visible_to` answers with
    `for_resident` (their current occupancies), even for a staff member who also lives in an
    estate. Called by `servicecenter.portal.portal_page`; request.user is loaded per request, so
    this never outlives the request."""
    setattr(user, _CACHE_ATTR, Access(is_resident=True, unit_ids=unit_ids))


def portal_unit_ids(user) -> tuple[int, ...] | None:
    """The ids of the units a portal request's resident occupies today, or None outside the
    portal (callers then fall back to a subquery)."""
    access = getattr(user, _CACHE_ATTR, None)
    return access.unit_ids if access is not None else None


def forget_access(user) -> None:
    if hasattr(user, _CACHE_ATTR):
        delattr(user, _CACHE_ATTR)


class ScopedQuerySet(models.QuerySet):
    estate_lookup = "estate"

    def visible_to(self, user) -> ScopedQuerySet:
        access = access_for(user)
        if access.all_estates:
            return self
        if access.is_staff_member:
            return self.filter(**{f"{self.estate_lookup}__in": sorted(access.estate_ids)})
        if access.is_resident:
            return self.for_resident(user)
        return self.none()

    def own_work_filter(self, user, *, through: str) -> ScopedQuerySet:
        """For staff who see only their own work: rows reached through `through` (a path to
        tickets, e.g. "tickets") from a ticket assigned to the user or to their team. Others
        get the queryset unchanged. Relation names only: the kernel imports no app."""
        access = access_for(user)
        if not access.own_work_only:
            return self
        mine = models.Q(**{f"{through}__assignee": user})
        if access.team_ids:
            mine |= models.Q(**{f"{through}__team__in": sorted(access.team_ids)})
        return self.filter(pk__in=self.model._default_manager.filter(mine).values("pk"))

    def in_estate(self, estate) -> ScopedQuerySet:
        return self.filter(**{self.estate_lookup: estate})

    def for_resident(self, user) -> ScopedQuerySet:
        """What a resident may see of this model. Nothing, unless the model says otherwise."""
        return self.none()
