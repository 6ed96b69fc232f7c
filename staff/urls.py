from django.urls import path

from staff import views, views_attendance

desk_patterns = [
    path("notifications/", views.notification_list, name="notifications"),
    path("notifications/read/", views.notifications_mark_read, name="notifications_read"),
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
]
portal_patterns: list = []
