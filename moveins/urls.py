from django.urls import path

from moveins import views
from moveins.views import batches as batch_views

desk_patterns = [
    path("", views.move_in_list, name="list"),
    path("new/", views.move_in_create, name="create"),
    path("<int:pk>/", views.move_in_detail, name="detail"),
    path("<int:pk>/act/<slug:action>/", views.move_in_action, name="action"),
    path("<int:pk>/checklist/<int:item_pk>/", views.checklist_tick, name="checklist_tick"),
    path("<int:pk>/charges/<int:charge_pk>/deposit/", views.deposit_take, name="deposit"),
    path("<int:pk>/readings/", views.readings_record, name="readings"),
    path("<int:pk>/defects/", views.defects_record, name="defects"),
    path("<int:pk>/keys/", views.keys_hand_over, name="keys"),
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
portal_patterns: list = [
    path("move-ins/", views.portal_move_ins, name="move_ins"),
    path("move-ins/<int:pk>/", views.portal_move_in, name="move_in"),
    path("move-ins/<int:pk>/rate/", views.portal_move_in_rate, name="move_in_rate"),
    path("move-ins/<int:pk>/book/", views.portal_move_in_book, name="move_in_book"),
    path(
        "move-ins/<int:pk>/cancel-booking/",
        views.portal_move_in_cancel_booking,
        name="move_in_cancel_booking",
    ),
]
