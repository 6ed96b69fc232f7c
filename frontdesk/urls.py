"""The front desk's pages, under /desk/ (namespace `frontdesk`)."""

from django.urls import path

from frontdesk import views

desk_patterns: list = [
    path("keys/", views.key_list, name="keys"),
    path("keys/new/", views.key_create, name="key_create"),
    path("keys/<int:pk>/", views.key_detail, name="key_detail"),
    path("keys/<int:pk>/act/<slug:action>/", views.key_action, name="key_action"),
    path("invoices/", views.invoice_queue, name="invoices"),
    path("invoices/new/", views.invoice_create, name="invoice_create"),
    path("invoices/<int:pk>/", views.invoice_detail, name="invoice_detail"),
    path("invoices/<int:pk>/act/<slug:action>/", views.invoice_action, name="invoice_action"),
    path("knowledge/search/", views.knowledge_search, name="knowledge_search"),
]
portal_patterns: list = [
    path("invoices/", views.portal_invoice_requests, name="invoice_requests"),
]
