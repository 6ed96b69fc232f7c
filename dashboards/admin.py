"""The dashboards app's admin pages (each feature in its own module)."""

from dashboards import admin_repeats, admin_reports, admin_targets  # noqa: F401
