"""Shared plumbing of the staff ("desk") pages."""

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.decorators import login_required, permission_required
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _

from servicecenter.scoping import access_for


def desk_page(permission: str) -> Callable:
    """Log in first (anonymous users go to the login page); then 404 for anyone who is not staff
    (residents: a staff page does not exist for them, as the README promises), and 403 for staff
    who lack the permission. Residents hold some view permissions for their portal pages
    (view_ticket, add_ticket), so the staff check comes before the permission check."""

    def decorate(view: Callable) -> Callable:
        checked = permission_required(permission, raise_exception=True)(view)

        @wraps(view)
        def staff_only(request: HttpRequest, *args, **kwargs):
            if not access_for(request.user).is_staff_member:
                raise Http404(_("No such page."))
            return checked(request, *args, **kwargs)

        staff_only.desk_permission = permission
        return login_required(staff_only)

    return decorate


def querystring(request: HttpRequest, *, drop: tuple[str, ...] = ("page",)) -> str:
    """The current filters as a query string, for pagination links."""
    params = request.GET.copy()
    for key in drop:
        params.pop(key, None)
    return params.urlencode()
