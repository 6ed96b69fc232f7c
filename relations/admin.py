from relations import admin_surveys  # noqa: F401  (each area registers its own admin classes)
