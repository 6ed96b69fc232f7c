"""Model permissions for the API: view→view_, POST→add_, PATCH/PUT→change_, never DELETE."""

from rest_framework import permissions

from servicecenter.scoping import access_for


class ArchivePermissions(permissions.DjangoModelPermissions):
    """DjangoModelPermissions that also guards reads and refuses every delete.

    Archive rows are referenced by tickets, bills and logs, so nothing is deleted through the API
    (an occupancy is ended, not removed). A viewset may name the permissions of its extra actions in
    `action_permissions`, and set `residents_may_read` when a resident may list and read the model:
    their queryset is already limited to their own units by `visible_to`, and the resident role
    holds no model permissions at all.
    """

    perms_map = {
        "GET": ["%(app_label)s.view_%(model_name)s"],
        "OPTIONS": [],
        "HEAD": ["%(app_label)s.view_%(model_name)s"],
        "POST": ["%(app_label)s.add_%(model_name)s"],
        "PUT": ["%(app_label)s.change_%(model_name)s"],
        "PATCH": ["%(app_label)s.change_%(model_name)s"],
        "DELETE": [],
    }

    def has_permission(self, request, view) -> bool:
        user = request.user
        if not user or not user.is_authenticated:
            return False
        if request.method == "DELETE":
            return False
        action_permissions = getattr(view, "action_permissions", {}).get(getattr(view, "action", None))
        if action_permissions is not None:
            return user.has_perms(action_permissions)
        if (
            request.method in permissions.SAFE_METHODS
            and getattr(view, "residents_may_read", False)
            and access_for(user).is_resident
        ):
            return True
        return super().has_permission(request, view)
