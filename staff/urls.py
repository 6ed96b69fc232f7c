from django.urls import path

from staff import views, views_attendance, views_quality, views_rosters, views_training

desk_patterns = [
    path("notifications/", views.notification_list, name="notifications"),
    path("notifications/read/", views.notifications_mark_read, name="notifications_read"),
    path("training/", views_training.training_list, name="training_list"),
    path("training/new/", views_training.training_create, name="training_create"),
    path("training/<int:pk>/", views_training.training_detail, name="training_detail"),
    path("training/<int:pk>/attendance/", views_training.training_attendance, name="training_attendance"),
    path("training/<int:pk>/materials/", views_training.training_materials, name="training_materials"),
    path("rosters/", views_rosters.roster, name="roster"),
    path("rosters/save/", views_rosters.roster_save, name="roster_save"),
    path("rosters/copy-last-week/", views_rosters.roster_copy, name="roster_copy"),
    path("rosters/swaps/", views_rosters.swaps, name="swaps"),
    path("rosters/swaps/new/", views_rosters.swap_new, name="swap_new"),
    path("rosters/swaps/<int:pk>/<slug:action>/", views_rosters.swap_action, name="swap_action"),
    path("rosters/on-duty/", views_rosters.on_duty, name="on_duty"),
    path("rosters/reception-hours/", views_rosters.reception_hours, name="reception_hours"),
    path("zones/", views_rosters.zone_map, name="zones"),
]
desk_patterns += [
    path("handovers/", views_attendance.handover_teams, name="handover_teams"),
    path("handovers/team/<int:team_id>/", views_attendance.handover_list, name="handover_list"),
    path(
        "handovers/<int:pk>/acknowledge/", views_attendance.handover_acknowledge, name="handover_acknowledge"
    ),
    path("attendance/clock/", views_attendance.clock, name="attendance_clock"),
    path("attendance/clock/in/", views_attendance.clock_in, name="attendance_clock_in"),
    path("attendance/clock/out/", views_attendance.clock_out, name="attendance_clock_out"),
    path("attendance/flags/", views_attendance.attendance_flags, name="attendance_flags"),
    path("attendance/export/", views_attendance.attendance_export, name="attendance_export"),
    path("quality/orders/", views_quality.order_list, name="rectification_orders"),
    path("incidents/", views_quality.incident_list, name="incidents"),
    path("incidents/<int:pk>/", views_quality.incident_detail, name="incident"),
]
desk_patterns += [
    path("quality/inspections/", views_quality.inspection_list, name="inspections"),
    path("quality/inspections/new/", views_quality.inspection_new, name="inspection_new"),
    path("quality/inspections/<int:pk>/", views_quality.inspection_detail, name="inspection"),
    path(
        "quality/inspections/<int:pk>/findings/<int:finding_pk>/photo/",
        views_quality.finding_photo,
        name="finding_photo",
    ),
    path(
        "quality/inspections/<int:pk>/findings/<int:finding_pk>/order/",
        views_quality.order_issue,
        name="order_issue",
    ),
    path("quality/orders/<int:pk>/", views_quality.order_detail, name="rectification_order"),
    path(
        "quality/orders/<int:pk>/<slug:action>/",
        views_quality.order_action,
        name="rectification_order_action",
    ),
    path("quality/capa/", views_quality.capa_list, name="capa"),
    path("quality/capa/items/<int:item_pk>/", views_quality.capa_new, name="capa_new"),
    path("incidents/new/", views_quality.incident_new, name="incident_new"),
    path("incidents/<int:pk>/timeline/", views_quality.incident_timeline, name="incident_timeline"),
    path("incidents/<int:pk>/notified/", views_quality.incident_notified, name="incident_notified"),
    path("incidents/<int:pk>/close/", views_quality.incident_close, name="incident_close"),
    path("incidents/<int:pk>/tickets/", views_quality.incident_link_ticket, name="incident_link_ticket"),
    path("drills/", views_quality.drill_list, name="drills"),
    path("drills/<int:pk>/held/", views_quality.drill_held, name="drill_held"),
]
portal_patterns: list = []
