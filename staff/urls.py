from django.urls import path

from staff import views, views_quality

desk_patterns = [
    path("notifications/", views.notification_list, name="notifications"),
    path("notifications/read/", views.notifications_mark_read, name="notifications_read"),
    path("quality/orders/", views_quality.order_list, name="rectification_orders"),
    path("incidents/", views_quality.incident_list, name="incidents"),
    path("incidents/<int:pk>/", views_quality.incident_detail, name="incident"),
]
portal_patterns: list = []
