from moveins.api.batches import MoveInBatchViewSet, MoveInSlotViewSet, WarrantyReportViewSet
from moveins.api.move_ins import MoveInViewSet

ROUTES = [
    ("move-ins", MoveInViewSet, "move-in"),
    ("move-in-batches", MoveInBatchViewSet, "move-in-batch"),
    ("move-in-slots", MoveInSlotViewSet, "move-in-slot"),
    ("warranty-report", WarrantyReportViewSet, "warranty-report"),
]
