"""Shared plumbing of the staff ("desk") pages."""

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

from servicecenter.scoping import access_for


def desk_page(permission: str) -> Callable:
    """Log in first (anonymous users go to the login page), then 403 for anyone who is not staff
    or lacks the permission. Residents hold some view permissions for their portal pages
    (view_ticket, view_bill); the staff check keeps them out of the desk pages all the same."""

    def decorate(view: Callable) -> Callable:
        @wraps(view)
        def staff_only(request: HttpRequest, *args, **kwargs):
            if not access_for(request.user).is_staff_member:
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return login_required(permission_required(permission, raise_exception=True)(staff_only))

    return decorate


def querystring(request: HttpRequest, *, drop: tuple[str, ...] = ("page",)) -> str:
    """The current filters as a query string, for pagination links."""
    params = request.GET.copy()
    for key in drop:
        params.pop(key, None)
    return params.urlencode()
