from frontdesk.api.logs import LostItemViewSet, ParcelViewSet, VisitorViewSet
from frontdesk.api.moveouts import MoveOutViewSet
from frontdesk.api.views import InvoiceRequestViewSet, KeyCustodyViewSet, KnowledgeEntryViewSet

ROUTES = [
    ("visitors", VisitorViewSet, "visitor"),
    ("lost-items", LostItemViewSet, "lost-item"),
    ("parcels", ParcelViewSet, "parcel"),
    ("key-custody", KeyCustodyViewSet, "key-custody"),
    ("invoice-requests", InvoiceRequestViewSet, "invoice-request"),
    ("knowledge", KnowledgeEntryViewSet, "knowledge"),
    ("move-outs", MoveOutViewSet, "move-out"),
]
