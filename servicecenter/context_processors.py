from servicecenter import usercache
from servicecenter.navigation import nav_for, nav_html_for
from servicecenter.scoping import access_for


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    access = access_for(user)
    if not access.is_staff_member:
        return {"is_resident_user": access.is_resident}
    from staff.models import Notification

    def unread_notifications() -> int:
        # Kept in process memory while the user's bell stamp holds: notify and reading bump it.
        return usercache.remember_bell(
            user, lambda: Notification.objects.filter(recipient=user).unread().count()
        )

    def nav_html() -> str:
        match = getattr(request, "resolver_match", None)
        return nav_html_for(user, match.view_name if match else None)

    return {
        "nav_items": nav_for(user),
        # The menu drawn once per permission set and language (base.html).
        "nav_html": nav_html,
        "is_staff_member": True,
        # Read lazily: pages that never render the bell never run the query.
        "unread_notifications": unread_notifications,
    }
