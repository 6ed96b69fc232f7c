from frontdesk.api.views import InvoiceRequestViewSet, KeyCustodyViewSet, KnowledgeEntryViewSet

ROUTES = [
    ("key-custody", KeyCustodyViewSet, "key-custody"),
    ("invoice-requests", InvoiceRequestViewSet, "invoice-request"),
    ("knowledge", KnowledgeEntryViewSet, "knowledge"),
]
