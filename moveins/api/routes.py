from moveins.api.batches import MoveInBatchViewSet, MoveInSlotViewSet, WarrantyReportViewSet

ROUTES = [
    ("move-in-batches", MoveInBatchViewSet, "move-in-batch"),
    ("move-in-slots", MoveInSlotViewSet, "move-in-slot"),
    ("warranty-report", WarrantyReportViewSet, "warranty-report"),
]
