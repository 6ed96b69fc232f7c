from dashboards import admin_reports  # noqa: F401  (registers the monthly report admin)
