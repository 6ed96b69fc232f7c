"""/dashboard/hotspots/ (namespace `hotspots`): the heat table and the repeat repairs."""

from django.urls import path

from dashboards import views_hotspots as views

urlpatterns = [
    path("", views.heat, name="heat"),
    path("repeats/", views.repeat_list, name="repeats"),
    path("repeats/detect/", views.detect, name="detect"),
    path("repeats/<int:pk>/", views.repeat_detail, name="repeat_detail"),
    path("repeats/<int:pk>/<slug:action>/", views.repeat_action, name="repeat_action"),
]
