from django.urls import path

from staff import views, views_rosters

desk_patterns = [
    path("notifications/", views.notification_list, name="notifications"),
    path("notifications/read/", views.notifications_mark_read, name="notifications_read"),
    path("rosters/", views_rosters.roster, name="roster"),
    path("rosters/save/", views_rosters.roster_save, name="roster_save"),
    path("rosters/copy-last-week/", views_rosters.roster_copy, name="roster_copy"),
    path("rosters/swaps/", views_rosters.swaps, name="swaps"),
    path("rosters/swaps/new/", views_rosters.swap_new, name="swap_new"),
    path("rosters/swaps/<int:pk>/<slug:action>/", views_rosters.swap_action, name="swap_action"),
    path("rosters/on-duty/", views_rosters.on_duty, name="on_duty"),
    path("zones/", views_rosters.zone_map, name="zones"),
]
portal_patterns: list = []
