from django.urls import path

from staff import views

desk_patterns = [
    path("notifications/", views.notification_list, name="notifications"),
    path("notifications/read/", views.notifications_mark_read, name="notifications_read"),
]
portal_patterns: list = []
