"""The front desk's pages, under /desk/ (namespace `frontdesk`)."""

from django.urls import path

from frontdesk.views import moveouts as moveout_views

desk_patterns: list = [
    # Move-outs and moving requests with their release pass (搬家放行条).
    path("move-outs/", moveout_views.moveout_list, name="moveouts"),
    path("move-outs/new/", moveout_views.moveout_create, name="moveout_create"),
    path("move-outs/<int:pk>/", moveout_views.moveout_detail, name="moveout_detail"),
    path("move-outs/<int:pk>/approve/", moveout_views.moveout_approve, name="moveout_approve"),
    path("move-outs/<int:pk>/complete/", moveout_views.moveout_complete, name="moveout_complete"),
    path("move-outs/<int:pk>/cancel/", moveout_views.moveout_cancel, name="moveout_cancel"),
]
portal_patterns: list = [
    path("move-outs/", moveout_views.portal_moveout_list, name="moveouts"),
    path("move-outs/new/", moveout_views.portal_moveout_create, name="moveout_create"),
]
