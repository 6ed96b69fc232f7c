"""The front desk's pages, under /desk/ (namespace `frontdesk`)."""

from django.urls import path

from frontdesk import views
from frontdesk.views import home, lost_found, parcels, visitors
from frontdesk.views import moveouts as moveout_views

desk_patterns: list = [
    path("", home.desk_home, name="home"),
    # visitors, lost and found, parcels
    path("visitors/", visitors.visitor_list, name="visitors"),
    path("visitors/new/", visitors.visitor_create, name="visitor_create"),
    path("visitors/export/", visitors.visitor_export, name="visitor_export"),
    path("visitors/<int:pk>/leave/", visitors.visitor_leave, name="visitor_leave"),
    path("lost-items/", lost_found.lost_item_list, name="lost_items"),
    path("lost-items/new/", lost_found.lost_item_create, name="lost_item_create"),
    path("lost-items/export/", lost_found.lost_item_export, name="lost_item_export"),
    path("lost-items/<int:pk>/", lost_found.lost_item_detail, name="lost_item"),
    path("lost-items/<int:pk>/photo/", lost_found.lost_item_photo, name="lost_item_photo"),
    path("lost-items/<int:pk>/act/<slug:action>/", lost_found.lost_item_action, name="lost_item_action"),
    path("parcels/", parcels.parcel_list, name="parcels"),
    path("parcels/new/", parcels.parcel_create, name="parcel_create"),
    path("parcels/export/", parcels.parcel_export, name="parcel_export"),
    path("parcels/<int:pk>/", parcels.parcel_detail, name="parcel"),
    path("parcels/<int:pk>/act/<slug:action>/", parcels.parcel_action, name="parcel_action"),
    # key custody, invoice requests, the knowledge base
    path("keys/", views.key_list, name="keys"),
    path("keys/new/", views.key_create, name="key_create"),
    path("keys/export/", views.key_export, name="key_export"),
    path("keys/<int:pk>/", views.key_detail, name="key_detail"),
    path("keys/<int:pk>/act/<slug:action>/", views.key_action, name="key_action"),
    path("invoices/", views.invoice_queue, name="invoices"),
    path("invoices/new/", views.invoice_create, name="invoice_create"),
    path("invoices/export/", views.invoice_export, name="invoice_export"),
    path("invoices/<int:pk>/", views.invoice_detail, name="invoice_detail"),
    path("invoices/<int:pk>/act/<slug:action>/", views.invoice_action, name="invoice_action"),
    path("knowledge/search/", views.knowledge_search, name="knowledge_search"),
    # Move-outs and moving requests with their release pass (搬家放行条).
    path("move-outs/", moveout_views.moveout_list, name="moveouts"),
    path("move-outs/new/", moveout_views.moveout_create, name="moveout_create"),
    path("move-outs/<int:pk>/", moveout_views.moveout_detail, name="moveout_detail"),
    path("move-outs/<int:pk>/approve/", moveout_views.moveout_approve, name="moveout_approve"),
    path("move-outs/<int:pk>/complete/", moveout_views.moveout_complete, name="moveout_complete"),
    path("move-outs/<int:pk>/cancel/", moveout_views.moveout_cancel, name="moveout_cancel"),
]
portal_patterns: list = [
    path("invoices/", views.portal_invoice_requests, name="invoice_requests"),
    path("parcels/", parcels.portal_parcels, name="parcels"),
    path("move-outs/", moveout_views.portal_moveout_list, name="moveouts"),
    path("move-outs/new/", moveout_views.portal_moveout_create, name="moveout_create"),
]
