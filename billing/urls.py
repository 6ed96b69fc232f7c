from django.urls import path

from billing import views, views_online

desk_patterns = [
    path("cashier/", views.cashier, name="cashier"),
    path("cashier/units.json", views.unit_search, name="unit_search"),
    path("payments/", views.payment_list, name="payment_list"),
    path("payments/<int:pk>/", views.payment_detail, name="payment_detail"),
    path("payments/<int:pk>/receipt/", views.receipt, name="receipt"),
    path("payments/<int:pk>/receipt.pdf", views.receipt_download, name="receipt_pdf"),
    path("payments/<int:pk>/void/", views.payment_void, name="payment_void"),
    path("payments/<int:pk>/refund/", views.payment_refund, name="payment_refund"),
    path("bills/", views.bill_list, name="bill_list"),
    path("bills/generate/", views.generate, name="generate"),
    path("bills/<int:pk>/", views.bill_detail, name="bill_detail"),
    path("bills/<int:pk>/void/", views.bill_void, name="bill_void"),
    path("bills/<int:pk>/write-off/", views.bill_write_off, name="bill_write_off"),
    path("arrears/", views.arrears, name="arrears"),
    path("calls/", views.calls, name="calls"),
    path("calls/<int:unit_id>/", views.call_outcome, name="call_outcome"),
    path("calls/<int:unit_id>/dial/", views.call_dial, name="call_dial"),
    path("escalations/", views.escalations, name="escalations"),
    path("letters/", views.letters, name="letters"),
    path("journal/", views.journal, name="journal"),
    path("statement/", views.statement, name="statement"),
    path("statement/export.xlsx", views.statement_export, name="statement_export"),
    path("meters/entry/", views.meter_entry, name="meter_entry"),
    path("deposits/<int:unit_id>/", views.deposits, name="deposits"),
    path("deposits/accounts/<int:pk>/refund/", views.deposit_refund, name="deposit_refund"),
    path("bills/<int:pk>/waive-late-fee/", views.bill_waive_late_fee, name="bill_waive_late_fee"),
    path("online/", views_online.order_list, name="online_orders"),
    path("online/<int:pk>/", views_online.order_detail, name="online_order"),
    path("online/<int:pk>/refund/", views_online.order_refund, name="online_refund"),
]
portal_patterns = [
    path("bills/", views.portal_bills, name="billing_bills"),
    path("bills/<int:pk>/", views.portal_bill, name="billing_bill"),
    path("payments/", views.portal_payments, name="billing_payments"),
    path("payments/<int:pk>/receipt/", views.portal_receipt, name="billing_receipt"),
    path("payments/<int:pk>/receipt.pdf", views.portal_receipt_download, name="billing_receipt_pdf"),
    path("bills/pay/", views_online.portal_pay, name="billing_pay"),
    path("payments/online/<slug:order_no>/", views_online.portal_order, name="billing_order"),
    path("payments/simulator/<slug:order_no>/", views_online.simulator, name="billing_simulator"),
]
# Public, outside the portal and the desk: the gateway's server-to-server notifications.
public_patterns = [
    path("notify/<slug:gateway>/", views_online.notify, name="notify"),
]
