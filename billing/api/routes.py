from billing.api.views import (
    ArrearsViewSet,
    BillViewSet,
    ChargeItemViewSet,
    MeterReadingViewSet,
    PaymentOrderViewSet,
    PaymentViewSet,
)

ROUTES = [
    ("charge-items", ChargeItemViewSet, "charge-item"),
    ("meter-readings", MeterReadingViewSet, "meter-reading"),
    ("bills", BillViewSet, "bill"),
    ("payments", PaymentViewSet, "payment"),
    ("arrears", ArrearsViewSet, "arrears"),
    ("payment-orders", PaymentOrderViewSet, "payment-order"),
]
