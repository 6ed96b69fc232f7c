from django.urls import path

from renovations import views
from renovations.views import portal_pay

desk_patterns = [
    path("", views.renovation_list, name="list"),
    path("new/", views.renovation_create, name="create"),
    path("<int:pk>/", views.renovation_detail, name="detail"),
    path("<int:pk>/act/<slug:action>/", views.renovation_action, name="action"),
    path("<int:pk>/deposit/", views.deposit_take, name="deposit"),
    path("<int:pk>/workers/", views.worker_add, name="worker_add"),
    path("<int:pk>/workers/<int:worker_pk>/remove/", views.worker_remove, name="worker_remove"),
    path("<int:pk>/documents/", views.document_upload, name="document_upload"),
    path("<int:pk>/documents/<int:document_pk>/", views.document_download, name="document"),
    path("<int:pk>/deductions/", views.deduction_propose, name="deduction_propose"),
    path(
        "<int:pk>/deductions/<int:deduction_pk>/withdraw/",
        views.deduction_withdraw,
        name="deduction_withdraw",
    ),
    path("<int:pk>/permit/", views.renovation_permit, name="permit"),
    path("patrols/", views.patrol_list, name="patrols"),
    path("patrols/<int:pk>/", views.patrol_record, name="patrol"),
    path("violations/", views.violation_list, name="violations"),
    path("violations/new/", views.violation_create, name="violation_create"),
    path("violations/link-complaint/", views.link_complaint, name="link_complaint"),
    path("violations/<int:pk>/", views.violation_detail, name="violation"),
    path("violations/<int:pk>/act/<slug:action>/", views.violation_action, name="violation_action"),
    path("metrics/", views.metrics_page, name="metrics"),
]
portal_patterns: list = [
    path("renovations/<int:pk>/deposit/pay/", portal_pay.deposit_pay, name="renovation_deposit_pay"),
    path("renovations/", views.portal_renovations, name="renovations"),
    path("renovations/apply/", views.portal_renovation_apply, name="renovation_apply"),
    path("renovations/<int:pk>/", views.portal_renovation, name="renovation"),
]
