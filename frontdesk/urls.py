"""The front desk's pages, under /desk/ (namespace `frontdesk`)."""

from django.urls import path

from frontdesk.views import home, lost_found, parcels, visitors

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
]
portal_patterns: list = [
    path("parcels/", parcels.portal_parcels, name="parcels"),
]
