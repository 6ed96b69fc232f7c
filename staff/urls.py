from django.urls import path

from staff import views, views_training

desk_patterns = [
    path("notifications/", views.notification_list, name="notifications"),
    path("notifications/read/", views.notifications_mark_read, name="notifications_read"),
    path("training/", views_training.training_list, name="training_list"),
    path("training/new/", views_training.training_create, name="training_create"),
    path("training/<int:pk>/", views_training.training_detail, name="training_detail"),
    path("training/<int:pk>/attendance/", views_training.training_attendance, name="training_attendance"),
    path("training/<int:pk>/materials/", views_training.training_materials, name="training_materials"),
]
portal_patterns: list = []
