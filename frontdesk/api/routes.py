from frontdesk.api.logs import LostItemViewSet, ParcelViewSet, VisitorViewSet

ROUTES = [
    ("visitors", VisitorViewSet, "visitor"),
    ("lost-items", LostItemViewSet, "lost-item"),
    ("parcels", ParcelViewSet, "parcel"),
]
