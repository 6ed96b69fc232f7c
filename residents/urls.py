from django.urls import path

from residents import views, views_access, views_household, views_import, views_passes

desk_patterns = [
    path("units/", views.unit_list, name="unit_list"),
    path("units/<int:pk>/", views.unit_detail, name="unit_detail"),
    path("units/<int:pk>/occupants/add/", views.occupancy_add, name="occupancy_add"),
    path("occupancies/<int:pk>/end/", views.occupancy_end, name="occupancy_end"),
    path("occupancies/<int:pk>/payer/", views.occupancy_payer, name="occupancy_payer"),
    path("occupancies/<int:pk>/bills/", views.occupancy_bills, name="occupancy_bills"),
    path("persons/", views.person_list, name="person_list"),
    path("persons/new/", views.person_create, name="person_create"),
    path("persons/<int:pk>/", views.person_detail, name="person_detail"),
    path("persons/<int:pk>/edit/", views.person_edit, name="person_edit"),
    path("persons/<int:pk>/reveal/", views.person_reveal, name="person_reveal"),
    path("persons/<int:pk>/verify-id/", views.person_verify_id, name="person_verify_id"),
    path("persons/<int:pk>/portal-code/", views_access.person_portal_code, name="person_portal_code"),
    path("documents/upload/", views.document_upload, name="document_upload"),
    path("documents/<int:pk>/", views.document_download, name="document_download"),
    path("access-log/", views.access_log, name="access_log"),
    path("import/", views_import.import_upload, name="import"),
    path("import/confirm/", views_import.import_confirm, name="import_confirm"),
    path("export.xlsx", views_import.export_xlsx, name="export"),
]
portal_patterns = [
    path("household/", views.portal_household, name="household"),
    path("household/<int:pk>/payer/", views.portal_household_payer, name="household_payer"),
    path("household/<int:pk>/bills/", views.portal_household_bills, name="household_bills"),
]
# Mounted at /passes/ (namespace "passes"): short addresses for a phone at the gate.
pass_patterns = [
    path("", views_passes.pass_list, name="list"),
    path("verify/", views_passes.pass_verify, name="verify"),
    path("<int:pk>/", views_passes.pass_detail, name="detail"),
    path("<int:pk>/print/", views_passes.pass_print, name="print"),
    path("<int:pk>/revoke/", views_passes.pass_revoke, name="revoke"),
]
# Public pages under /accounts/ (no namespace, beside "login"): portal sign-up and password reset.
account_patterns = [
    path("activate/", views_access.activate, name="activate"),
    path("password-reset/", views_access.password_reset, name="password_reset"),
    path("password-reset/confirm/", views_access.password_reset_confirm, name="password_reset_confirm"),
]

# Household requests (issue #14): the owner asks in the portal, the desk decides.
desk_patterns += [
    path("household-requests/", views_household.household_request_list, name="household_requests"),
    path(
        "household-requests/<int:pk>/",
        views_household.household_request_detail,
        name="household_request_detail",
    ),
    path(
        "household-requests/<int:pk>/act/<slug:action>/",
        views_household.household_request_action,
        name="household_request_action",
    ),
]
portal_patterns += [
    path("household/ask/", views_household.portal_household_request, name="household_request"),
]
