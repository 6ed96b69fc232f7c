"""The dashboards app's admin pages (each feature in its own module)."""

from dashboards import admin_repeats  # noqa: F401  (registers RepeatRepairAdmin)
