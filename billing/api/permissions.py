"""Model permissions for the billing API: reads need view_, writes name their permission per action.
Residents may read what `visible_to` gives them (their own units' bills and payments); nothing is
ever deleted through the API."""

from rest_framework import permissions

from servicecenter.scoping import access_for


class BillingPermissions(permissions.DjangoModelPermissions):
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
        if not user or not user.is_authenticated or request.method == "DELETE":
            return False
        required = getattr(view, "action_permissions", {}).get(getattr(view, "action", None))
        if required is not None:
            return user.has_perms(required)
        if (
            request.method in permissions.SAFE_METHODS
            and getattr(view, "residents_may_read", False)
            and access_for(user).is_resident
        ):
            return True
        return super().has_permission(request, view)
