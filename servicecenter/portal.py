"""Shared plumbing of the resident portal pages (beside `servicecenter.desk` for staff pages).

Every portal view in every app is wrapped in `portal_page`, so that no page can forget the
scoping: the signed-in person sees only what belongs to the units they occupy today.

Someone who occupies no unit yet may still have business in the portal: an owner whose unit is
not handed over has a move-in to follow and book. Apps say so by registering a provider
(`register_portal_business`, from their AppConfig.ready()); the kernel asks the providers
without knowing their models. Such a user is admitted like any resident: every `visible_to`
answers with `for_resident`, which shows them only what that model grants them (their move-in),
and every other page an empty list.
"""

from collections.abc import Callable
from functools import wraps

from django.apps import apps
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _

from servicecenter.scoping import enter_portal


def has_current_occupancy(user) -> bool:
    # Looked up by name: the kernel imports no app.
    occupancy = apps.get_model("residents", "Occupancy")
    return occupancy.objects.current().filter(person__user=user).exists()


def current_unit_ids(user) -> tuple[int, ...]:
    """The ids of the units the user occupies today (any role), in one query."""
    occupancy = apps.get_model("residents", "Occupancy")
    ids = occupancy.objects.current().filter(person__user=user).values_list("unit_id", flat=True)
    return tuple(sorted(set(ids)))


# provider(user) -> bool: "this user has business in the portal" (one cheap query).
PortalBusinessProvider = Callable[[object], bool]
_business_providers: list[PortalBusinessProvider] = []


def register_portal_business(provider: PortalBusinessProvider) -> None:
    if provider not in _business_providers:
        _business_providers.append(provider)


def has_portal_business(user, *, unit_ids: tuple[int, ...] | None = None) -> bool:
    """A current occupancy, or anything a registered app vouches for (a move-in still open).
    `unit_ids`: the user's current units when the caller has read them already."""
    if unit_ids if unit_ids is not None else has_current_occupancy(user):
        return True
    return any(provider(user) for provider in _business_providers)


def portal_page(view: Callable) -> Callable:
    """Log in first (anonymous users go to the login page); then 404 for anyone who occupies no
    unit today and has no other portal business (staff, former residents: the portal has nothing
    of theirs, and a 404 confirms nothing). For the rest of the request the user is only a resident, so every `visible_to`
    below answers with their current occupancies, even for a staff member who also lives in an
    estate."""

    @wraps(view)
    def resident_only(request: HttpRequest, *args, **kwargs):
        unit_ids = current_unit_ids(request.user)
        if not has_portal_business(request.user, unit_ids=unit_ids):
            raise Http404(_("The resident portal is for residents of a unit."))
        enter_portal(request.user, unit_ids=unit_ids)
        return view(request, *args, **kwargs)

    resident_only.portal_page = True
    return login_required(resident_only)
