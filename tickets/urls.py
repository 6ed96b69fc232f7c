from django.urls import path

from tickets import views

desk_patterns = [
    path("", views.ticket_list, name="list"),
    path("new/", views.ticket_create, name="create"),
    path("lookup/", views.reporter_lookup, name="lookup"),
    path("duplicates/", views.ticket_duplicates, name="duplicates"),
    path("my-work/", views.my_work, name="my_work"),
    path("callbacks/", views.callback_list, name="callbacks"),
    path("callbacks/<int:pk>/", views.callback_detail, name="callback_detail"),
    path("callbacks/<int:pk>/record/", views.callback_record, name="callback_record"),
    path("callbacks/<int:pk>/call/", views.callback_call, name="callback_call"),
    path("callback-reviews/", views.callback_review_list, name="callback_reviews"),
    path("callback-reviews/<int:pk>/", views.callback_review_record, name="callback_review_record"),
    path("metrics/", views.ticket_metrics_page, name="metrics"),
    path("<int:pk>/", views.ticket_detail, name="detail"),
    path("<int:pk>/act/<slug:action>/", views.ticket_action, name="action"),
    path("<int:pk>/comment/", views.ticket_comment, name="comment"),
    path("<int:pk>/call/", views.ticket_call, name="call"),
    path("<int:pk>/link-report/", views.ticket_link_report, name="link_report"),
    path("<int:pk>/attach/", views.ticket_attach, name="attach"),
    path("<int:pk>/files/<int:attachment_pk>/", views.attachment_download, name="attachment"),
]

portal_patterns = [
    path("tickets/", views.portal_ticket_list, name="ticket_list"),
    path("tickets/new/", views.portal_ticket_create, name="ticket_create"),
    path("tickets/<int:pk>/", views.portal_ticket_detail, name="ticket_detail"),
    path("tickets/<int:pk>/rate/", views.portal_ticket_rate, name="ticket_rate"),
    path("tickets/<int:pk>/comment/", views.portal_ticket_comment, name="ticket_comment"),
    path(
        "tickets/<int:pk>/files/<int:attachment_pk>/",
        views.portal_attachment_download,
        name="ticket_attachment",
    ),
]
