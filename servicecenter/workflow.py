"""Workflows declared once: for each stateful model, its actions, each with the states it may start
from, the state it leads to, the permission it needs, the business rules (guards) that must also
hold, and the service that performs it.

Services call `check` (refusing with a translated TransitionError, PermissionDenied or DomainError)
and `transition` (the state, `save(update_fields=...)` and the one event row, through the
workflow's event writer). Views, the API and templates call `available` / `may` to decide which
buttons and endpoints a user gets. A generic test walks every declared workflow's whole matrix
(tests/servicecenter/test_workflows.py). The kernel imports no app: declarations live in each
app's `workflows.py` and register themselves here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime
from importlib import import_module
from typing import Any

from django.core.exceptions import PermissionDenied
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _

from servicecenter.exceptions import DomainError, TransitionError

SYSTEM = None  # the actor of a transition made by the system (a sweep, a callback's outcome)


def timeline_writer(event_model, link: str):
    """The usual event writer: one row of `event_model` (a timeline with `action`, `from_status`,
    `to_status`, `actor`, `note`, `created_at`) pointing at the object through the field `link`."""

    def write(obj, *, action, source, target, actor, note, now, **extra):
        return event_model(
            **{link: obj},
            action=action.name,
            from_status=source,
            to_status=target,
            actor=actor,
            note=note,
            created_at=now,
        )

    return write


@dataclass(frozen=True)
class Guard:
    """A named business rule an action needs besides its source state and permission.

    `test(obj, user, now)` is True when the rule holds; `user` is None for a system transition.
    A guard about who the user is (`about_user=True`, e.g. "technicians work only their own
    tickets") refuses with PermissionDenied and is skipped for the system; any other refuses with
    a DomainError carrying `message` and `code`."""

    name: str
    test: Callable[[Any, Any, datetime], bool]
    message: str | Promise = ""
    code: str = "invalid"
    about_user: bool = False
    # Checked before the source state, where the service always said this first.
    before_state: bool = False
    # `prefetch(objs)` settles the rule for many objects in one query and leaves the answer on
    # each for `test` to read, so a list offering each row's actions needs no query per row.
    prefetch: Callable[[list], None] | None = None

    def holds(self, obj, user, now: datetime) -> bool:
        return bool(self.test(obj, user, now))

    def refuse(self) -> Exception:
        if self.about_user:
            return PermissionDenied(str(self.message) or _("You may not do this."))
        return DomainError(str(self.message), code=self.code)


@dataclass(frozen=True)
class Action:
    """One thing a user (or the system) may do to an object. `target` None: the state stays (a
    flag or a reply: the action still writes its event). `permission` None: a system step (a
    bill's status recomputed from its payments), never offered as a button. `done(obj)` True: the
    action's effect is already in place, so it is not offered and a repeat changes nothing.
    `service` is the dotted path of the function that performs it."""

    name: str
    sources: frozenset[str]
    target: str | None
    permission: str | None
    label: str | Promise
    service: str = ""
    guards: tuple[Guard, ...] = ()
    done: Callable[[Any], bool] | None = None
    # The refusal when the object is not in a source state: a TransitionError with this message
    # (formatted with the current state's label as %(status)s), or, given `state_code`, a plain
    # DomainError with that code. Default: "cannot go from … to …".
    state_message: str | Promise | None = None
    state_code: str | None = None
    permission_message: str | Promise | None = None

    def __post_init__(self):
        object.__setattr__(self, "sources", frozenset(self.sources))

    @property
    def is_system(self) -> bool:
        return self.permission is None

    def performer(self) -> Callable:
        module, _dot, name = self.service.rpartition(".")
        return getattr(import_module(module), name)


EventWriter = Callable[..., Any]


@dataclass
class Workflow:
    """The declaration for one model. `event_writer(obj, *, action, source, target, actor, note,
    now, **extra)` returns the unsaved event row of a transition (saved by `transition`, or
    bulk-created by a caller moving many rows at once)."""

    model_label: str
    state_field: str
    actions: Iterable[Action]
    event_writer: EventWriter
    state_labels: dict[str, str] | None = None
    # The object's event rows (for the generic matrix test and timelines).
    events_of: Callable[[Any], Any] | None = None
    by_name: dict[str, Action] = field(init=False)

    def __post_init__(self):
        self.actions = tuple(self.actions)
        self.by_name = {a.name: a for a in self.actions}
        if len(self.by_name) != len(self.actions):
            raise ValueError(f"{self.model_label}: two actions share a name")
        REGISTRY[self.model_label] = self

    def add_guard(self, action: str, guard: Guard) -> None:
        """Add a rule to one of this workflow's actions from an app that the declaring app may
        not import: an app above it (renovations keeps a complaint ticket from being resolved on
        its own while the ticket's violation check is open). Called from that app's
        `AppConfig.ready()`; a guard of the same name is added once."""
        current = self.action(action)
        if any(existing.name == guard.name for existing in current.guards):
            return
        updated = replace(current, guards=(*current.guards, guard))
        self.by_name[action] = updated
        self.actions = tuple(updated if a.name == action else a for a in self.actions)

    def prefetch_guards(self, objs: Iterable) -> None:
        """Settle, in one query per guard that can, the guards of every action for a list of
        objects (a page of work cards) before asking `available` for each."""
        objs = list(objs)
        if not objs:
            return
        seen: set[str] = set()
        for action in self.actions:
            for guard in action.guards:
                if guard.prefetch is not None and guard.name not in seen:
                    seen.add(guard.name)
                    guard.prefetch(objs)

    # --- reading the declaration ------------------------------------------------------------

    def action(self, name: str) -> Action:
        try:
            return self.by_name[name]
        except KeyError:
            raise LookupError(f"{self.model_label} has no action {name!r}") from None

    def state_of(self, obj) -> str:
        return getattr(obj, self.state_field)

    def label(self, state: str) -> str:
        labels = self.state_labels or {}
        return str(labels.get(state, state))

    def user_actions(self) -> tuple[Action, ...]:
        return tuple(a for a in self.actions if not a.is_system)

    def allowed(self) -> dict[str, set[str]]:
        """State → the states that may follow it (for lifecycle tests and simulations)."""
        table: dict[str, set[str]] = {state: set() for state in (self.state_labels or {})}
        for action in self.actions:
            if action.target is None:
                continue
            for source in action.sources:
                table.setdefault(source, set()).add(action.target)
        return table

    def actions_to(self, target: str) -> tuple[Action, ...]:
        return tuple(a for a in self.actions if a.target == target)

    def state_refusal(self, obj, action: Action) -> DomainError:
        current = self.label(self.state_of(obj))
        message = None
        if action.state_message is not None:
            message = str(action.state_message)
            if "%(status)s" in message:
                message = message % {"status": current}
        if action.state_code is not None:
            return DomainError(message or "", code=action.state_code)
        return TransitionError(current, self.label(action.target or self.state_of(obj)), message=message)

    # --- deciding ---------------------------------------------------------------------------

    def _refusal(self, obj, action: Action, user, *, state: bool, now: datetime | None) -> Exception | None:
        """The first refusal, in a fixed order: the permission, the rules about the user, the
        rules checked before the state, the state, the other rules."""
        system = user is SYSTEM
        now = now or timezone.now()
        if not system and action.permission is not None and not user.has_perm(action.permission):
            return PermissionDenied(str(action.permission_message or _("You are not allowed to do this.")))
        for guard in action.guards:
            if guard.about_user and not system and not guard.holds(obj, user, now):
                return guard.refuse()
        for guard in action.guards:
            if guard.before_state and not guard.about_user and not guard.holds(obj, user, now):
                return guard.refuse()
        if state and self.state_of(obj) not in action.sources:
            return self.state_refusal(obj, action)
        for guard in action.guards:
            if not guard.before_state and not guard.about_user and not guard.holds(obj, user, now):
                return guard.refuse()
        return None

    def check(
        self, obj, action: str | Action, user, *, skip: Iterable[str] = (), now: datetime | None = None
    ) -> None:
        """Refuse the action now unless the user has its permission, the object is in one of its
        source states and its guards hold (`skip`: guards the caller has already settled)."""
        action = action if isinstance(action, Action) else self.action(action)
        if skip:
            skipped = set(skip)
            action = replace(action, guards=tuple(g for g in action.guards if g.name not in skipped))
        refusal = self._refusal(obj, action, user, state=True, now=now)
        if refusal is not None:
            raise refusal

    def may(self, obj, action: str | Action, user, *, now: datetime | None = None) -> bool:
        """May the user try the action on the object (permission and guards; not the state)?
        A view answers 403 when this is False and lets the service refuse a wrong state."""
        action = action if isinstance(action, Action) else self.action(action)
        if action.is_system:
            return False
        return self._refusal(obj, action, user, state=False, now=now) is None

    def is_allowed(self, obj, action: str | Action, user, *, now: datetime | None = None) -> bool:
        action = action if isinstance(action, Action) else self.action(action)
        return self._refusal(obj, action, user, state=True, now=now) is None

    def available(
        self, obj, user, *, order: Iterable[str] | None = None, now: datetime | None = None
    ) -> list[Action]:
        """The actions to offer this user on this object now, in `order` or declaration order."""
        names = list(order) if order is not None else [a.name for a in self.user_actions()]
        offered = []
        for name in names:
            action = self.by_name[name]
            if action.is_system or (action.done is not None and action.done(obj)):
                continue
            # A wrong state refuses whatever else holds: skip the action before the permission
            # and the guards are asked (and a refusal built) for nothing.
            if self.state_of(obj) not in action.sources:
                continue
            if self._refusal(obj, action, user, state=True, now=now) is None:
                offered.append(action)
        return offered

    # --- doing ------------------------------------------------------------------------------

    def move(
        self, obj, action: str | Action, *, actor, note: str = "", now, fields: dict | None = None, **extra
    ):
        """Set the state (and `fields`) on the object in memory and return the unsaved event row.
        For callers that save many rows at once; `transition` is the usual way."""
        action = action if isinstance(action, Action) else self.action(action)
        source = self.state_of(obj)
        if source not in action.sources:
            raise self.state_refusal(obj, action)
        target = action.target or source
        setattr(obj, self.state_field, target)
        for name, value in (fields or {}).items():
            setattr(obj, name, value)
        return self.event_writer(
            obj, action=action, source=source, target=target, actor=actor, note=note, now=now, **extra
        )

    def transition(
        self,
        obj,
        action: str | Action,
        *,
        actor,
        note: str = "",
        now,
        fields: dict | None = None,
        update_fields: Iterable[str] = (),
        **extra,
    ):
        """Apply a checked action to a locked object: the state and `fields`, one save with
        update_fields, one event row. Returns the saved event row (or None when the event
        writer keeps no row)."""
        action = action if isinstance(action, Action) else self.action(action)
        fields = dict(fields or {})
        event = self.move(obj, action, actor=actor, note=note, now=now, fields=fields, **extra)
        changed = [*([self.state_field] if action.target is not None else []), *fields, *update_fields]
        if changed:
            obj.save(update_fields=list(dict.fromkeys(changed)))
        if event is not None and getattr(event, "pk", None) is None:
            event.save()
        return event


def api_permissions(workflow: Workflow, *names: str) -> dict[str, list[str]]:
    """An API viewset's `action_permissions` for the named actions, from the declaration."""
    return {name: [workflow.action(name).permission] for name in names}


# model label → its workflow, filled as each app's `workflows.py` is imported.
REGISTRY: dict[str, Workflow] = {}


def declared_workflows() -> dict[str, Workflow]:
    """Every declared workflow (importing each installed app's `workflows` module first)."""
    from django.apps import apps

    for config in apps.get_app_configs():
        try:
            import_module(f"{config.name}.workflows")
        except ModuleNotFoundError as error:
            if error.name != f"{config.name}.workflows":
                raise
    return dict(REGISTRY)
