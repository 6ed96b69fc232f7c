from django.urls import path

from dashboards import views

desk_patterns = [
    path("", views.dashboard_page, name="index"),
]
