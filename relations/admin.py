"""The relations app's admin, one module per area (relations/admin_<area>.py), imported here."""

from relations import admin_notices, admin_services, admin_surveys, admin_visits  # noqa: F401
