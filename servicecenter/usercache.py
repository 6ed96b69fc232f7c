"""What every staff page derives from its user, kept in process memory (issue #16).

Each request of a staff page used to ask the database for the user's permissions (two queries),
their staff profile (one) and their unread notifications (one). These answers change rarely, so
they are kept in this process, keyed by the user's stamp (`servicecenter.models.UserStamp`), which
the session's user brings along in the same query that loads the user. Whatever changes an answer
bumps the stamp in the same transaction as the change; the next request, in any process, reads the
new stamp and recomputes. Nothing here goes to Redis: a hung Redis must not slow a page.

`version` covers permissions and reach: the user's groups and direct permissions, a group's
permissions (the signals are connected here, the auth models belong to no app) and whatever an
app registers with `bump_access_on_save` / `bump_access_on_m2m` (the staff app: the staff profile,
its estates and team). `bell_version` covers the unread count: `staff.services.notify` and marking
notifications read bump it. `is_superuser` and `is_active` are part of every key, so saving the
user needs no bump. A user without a stamp row is never cached: every answer is computed afresh.

Entries also expire after `_TTL_SECONDS`: a change that slipped past every signal (a bare
`.update()`, a cascade) is then stale for minutes, not for the life of the process.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete
from django.utils import translation

_STAMP_ATTR = "_servicecenter_stamp"
_MAX_ENTRIES = 4096
_TTL_SECONDS = 600


@dataclass(frozen=True)
class Stamp:
    version: str
    bell_version: str


class _LocalCache:
    """A bounded, thread-safe LRU with a time to live: the process's memory, not a shared cache."""

    def __init__(self, max_entries: int = _MAX_ENTRIES, ttl: float = _TTL_SECONDS):
        self._entries: OrderedDict[Hashable, tuple[float, Any]] = OrderedDict()
        self._lock = threading.Lock()
        self._max_entries = max_entries
        self._ttl = ttl

    def get(self, key: Hashable) -> Any | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            if entry[0] < time.monotonic():
                del self._entries[key]
                return None
            self._entries.move_to_end(key)
            return entry[1]

    def set(self, key: Hashable, value: Any) -> None:
        with self._lock:
            self._entries[key] = (time.monotonic() + self._ttl, value)
            self._entries.move_to_end(key)
            while len(self._entries) > self._max_entries:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


_cache = _LocalCache()


def clear() -> None:
    """Forget everything this process keeps (tests; never needed for correctness)."""
    _cache.clear()


# --- Reading: the stamp that came with the user ---------------------------------------------


def attach_stamp(user) -> None:
    """Called by the authentication backend on the user it just loaded with `access_stamp`."""
    try:
        row = user.access_stamp
    except models.ObjectDoesNotExist:
        return
    setattr(user, _STAMP_ATTR, Stamp(version=row.version, bell_version=row.bell_version))


def stamp_of(user) -> Stamp | None:
    """The stamp read with this user object, or None (a user loaded any other way: never cached)."""
    return getattr(user, _STAMP_ATTR, None)


def remember(user, kind: str, compute: Callable[[], Any], *, extra: Hashable = None) -> Any:
    """`compute()`'s answer for this user, from process memory while the user's stamp holds."""
    stamp = stamp_of(user)
    if stamp is None:
        return compute()
    key = (kind, user.pk, stamp.version, user.is_superuser, user.is_active, extra)
    value = _cache.get(key)
    if value is None:
        value = compute()
        _cache.set(key, value)
    return value


def remember_bell(user, compute: Callable[[], int]) -> int:
    """The unread count, from process memory while the user's bell stamp holds."""
    stamp = stamp_of(user)
    if stamp is None:
        return compute()
    key = ("bell", user.pk, stamp.bell_version)
    value = _cache.get(key)
    if value is None:
        value = compute()
        _cache.set(key, value)
    return value


def remember_shared(kind: str, key: Hashable, compute: Callable[[], Any]) -> Any:
    """An answer shared by every user with the same `key` (the menu of one permission set in one
    language): the key must hold everything the answer depends on."""
    full_key = (kind, key)
    value = _cache.get(full_key)
    if value is None:
        value = compute()
        _cache.set(full_key, value)
    return value


def current_language() -> str:
    return translation.get_language() or settings.LANGUAGE_CODE


# --- Writing: bumping stamps ------------------------------------------------------------------


def _new_token() -> str:
    return secrets.token_hex(8)


def _bump(user_ids: Iterable[int], field: str) -> None:
    from servicecenter.models import UserStamp

    ids = sorted({pk for pk in user_ids if pk is not None})
    if not ids:
        return
    token = _new_token()
    # One upsert: rows that exist get the new token in `field` only; missing rows are made with
    # fresh tokens in both. Sorted ids: two transactions bumping the same users lock in one order.
    UserStamp.objects.bulk_create(
        [
            UserStamp(user_id=pk, **{"version": _new_token(), "bell_version": _new_token(), field: token})
            for pk in ids
        ],
        update_conflicts=True,
        unique_fields=["user"],
        update_fields=[field],
    )


def bump_access(user_ids: Iterable[int]) -> None:
    """What these users may see or do changed: their next request recomputes it. Call it after the
    change, in the same transaction (a request that reads the new stamp must see the change)."""
    _bump(user_ids, "version")


def bump_bell(user_ids: Iterable[int]) -> None:
    """These users' unread notifications changed."""
    _bump(user_ids, "bell_version")


def forget_user_stamp(sender, instance, **kwargs) -> None:
    from servicecenter.models import UserStamp

    UserStamp.objects.filter(user_id=instance.pk).delete()


# --- Which changes bump: the auth models here, each app's models registered by the app -------


def bump_access_on_save(model, users_of: Callable[[Any], Iterable[int]], *, uid: str) -> None:
    """Saving or deleting a row of `model` changes the reach of `users_of(row)`."""

    def receiver(sender, instance, raw=False, **kwargs):
        if not raw:
            bump_access(users_of(instance))

    post_save.connect(receiver, sender=model, weak=False, dispatch_uid=f"usercache.save.{uid}")
    post_delete.connect(receiver, sender=model, weak=False, dispatch_uid=f"usercache.delete.{uid}")


def bump_access_on_m2m(field, users_of: Callable[[Iterable[int]], Iterable[int]], *, uid: str) -> None:
    """Adding to, removing from or clearing the many-to-many `field` (a descriptor such as
    `StaffProfile.estates`) from either side changes the reach of `users_of(source pks)`, the
    sources being rows of the model that declares the field."""
    descriptor_field = field.field
    source_model = descriptor_field.model
    pending_attr = f"_usercache_pending_{uid}"

    def receiver(sender, instance, action, reverse, pk_set, **kwargs):
        if action == "pre_clear":
            if reverse:
                # The rows about to lose `instance`: unknown once the clear has run.
                sources = list(
                    source_model._default_manager.filter(**{descriptor_field.name: instance}).values_list(
                        "pk", flat=True
                    )
                )
                setattr(instance, pending_attr, sources)
            return
        if action not in ("post_add", "post_remove", "post_clear"):
            return
        if not reverse:
            sources = [instance.pk]
        elif action == "post_clear":
            sources = getattr(instance, pending_attr, [])
            if hasattr(instance, pending_attr):
                delattr(instance, pending_attr)
        else:
            sources = list(pk_set or ())
        if sources:
            bump_access(users_of(sources))

    m2m_changed.connect(
        receiver,
        sender=descriptor_field.remote_field.through,
        weak=False,
        dispatch_uid=f"usercache.m2m.{uid}",
    )


def _users_of_groups(group_ids: Iterable[int]) -> list[int]:
    from django.contrib.auth import get_user_model

    return list(
        get_user_model()._default_manager.filter(groups__in=list(group_ids)).values_list("pk", flat=True)
    )


def _bump_members_before_delete(sender, instance, **kwargs) -> None:
    # pre_delete runs inside the deletion's transaction: the members still belong to the group.
    bump_access(_users_of_groups([instance.pk]))


def _bump_holders_before_delete(sender, instance, **kwargs) -> None:
    from django.contrib.auth import get_user_model

    user_model = get_user_model()
    direct = user_model._default_manager.filter(user_permissions=instance).values_list("pk", flat=True)
    through_groups = user_model._default_manager.filter(groups__permissions=instance).values_list(
        "pk", flat=True
    )
    bump_access([*direct, *through_groups])


def connect_auth_signals() -> None:
    """Roles are groups; permissions reach a user directly or through a group (ServicecenterConfig)."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group, Permission

    user_model = get_user_model()
    bump_access_on_m2m(user_model.groups, lambda user_ids: user_ids, uid="user_groups")
    bump_access_on_m2m(user_model.user_permissions, lambda user_ids: user_ids, uid="user_permissions")
    bump_access_on_m2m(Group.permissions, _users_of_groups, uid="group_permissions")
    pre_delete.connect(_bump_members_before_delete, sender=Group, dispatch_uid="usercache.group_delete")
    pre_delete.connect(_bump_holders_before_delete, sender=Permission, dispatch_uid="usercache.perm_delete")
    post_delete.connect(forget_user_stamp, sender=user_model, dispatch_uid="usercache.user_delete")
