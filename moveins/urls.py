from django.urls import path

from moveins.views import batches as batch_views

desk_patterns: list = [
    # batches, slots and booking, spot checks, the warranty report and the figures (batch_views)
    path("batches/", batch_views.batch_list, name="batches"),
    path("batches/new/", batch_views.batch_create, name="batch_create"),
    path("batches/<int:pk>/", batch_views.batch_detail, name="batch"),
    path("batches/<int:pk>/print/", batch_views.batch_print, name="batch_print"),
    path("batches/<int:pk>/slots/", batch_views.slots_add, name="batch_slots_add"),
    path("batches/<int:pk>/book/", batch_views.batch_book, name="batch_book"),
    path("batches/<int:pk>/cancel-booking/", batch_views.batch_cancel_booking, name="batch_cancel_booking"),
    path("spot-checks/", batch_views.spot_check_list, name="spot_checks"),
    path("spot-checks/new/", batch_views.spot_check_create, name="spot_check_create"),
    path("warranty-report/", batch_views.warranty_report_page, name="warranty_report"),
    path("warranty-report/export/", batch_views.warranty_report_export, name="warranty_report_export"),
    path("metrics/", batch_views.metrics_page, name="metrics"),
]
portal_patterns: list = []
