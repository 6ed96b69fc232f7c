"""Admin for the front desk. The desk knowledge base is configuration, edited here by the manager
(an estate's own entries; the company-wide ones by head office). Key custody and invoice requests
are shown read-only: each change to them is a workflow step made by the services from the desk
pages and the API."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from frontdesk.models import InvoiceRequest, KeyCustody, KnowledgeEntry
from servicecenter.admin import EstateScopedAdminMixin
from servicecenter.scoping import access_for


class ReadOnlyAdminMixin:
    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class KnowledgeEntryForm(forms.ModelForm):
    class Meta:
        model = KnowledgeEntry
        fields = [
            "estate",
            "language",
            "topic",
            "kind",
            "title",
            "body",
            "keywords",
            "is_active",
            "sort_order",
        ]

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_estate(self):
        estate = self.cleaned_data.get("estate")
        if estate is None and self.user is not None and not access_for(self.user).all_estates:
            raise forms.ValidationError(
                _("Choose your estate; only the company edits entries for every estate.")
            )
        return estate


@admin.register(KnowledgeEntry)
class KnowledgeEntryAdmin(EstateScopedAdminMixin, admin.ModelAdmin):
    """Configuration: the standard answers and short phrases the desk searches from every page."""

    form = KnowledgeEntryForm
    list_display = ["title", "estate", "language", "topic", "kind", "is_active", "sort_order"]
    list_editable = ["is_active", "sort_order"]
    list_filter = ["language", "topic", "kind", "is_active", "estate"]
    list_select_related = ["estate"]
    search_fields = ["title", "body", "keywords"]

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        user = request.user

        class WithUser(form):
            def __init__(self, *args, **inner):
                super().__init__(*args, user=user, **inner)

        return WithUser

    def _company_row(self, request, obj) -> bool:
        return obj is not None and obj.estate_id is None and not access_for(request.user).all_estates

    def has_change_permission(self, request, obj=None) -> bool:
        # An estate's manager reads the company-wide entries but does not rewrite them for everyone.
        return super().has_change_permission(request, obj) and not self._company_row(request, obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        return super().has_delete_permission(request, obj) and not self._company_row(request, obj)


@admin.register(KeyCustody)
class KeyCustodyAdmin(ReadOnlyAdminMixin, EstateScopedAdminMixin, admin.ModelAdmin):
    list_display = ["unit", "storage_tag", "description", "quantity", "status", "received_at"]
    list_filter = ["status"]
    list_select_related = ["unit"]
    search_fields = ["unit__code", "storage_tag"]
    fields = [
        "estate",
        "unit",
        "owner",
        "description",
        "quantity",
        "storage_tag",
        "status",
        "note",
        "received_at",
        "closed_at",
    ]


@admin.register(InvoiceRequest)
class InvoiceRequestAdmin(ReadOnlyAdminMixin, EstateScopedAdminMixin, admin.ModelAdmin):
    list_display = ["unit", "title", "amount", "status", "invoice_number", "requested_at"]
    list_filter = ["status", "channel"]
    list_select_related = ["unit"]
    search_fields = ["unit__code", "title", "invoice_number"]
    fields = [
        "estate",
        "unit",
        "title",
        "tax_number",
        "email",
        "amount",
        "channel",
        "status",
        "invoice_number",
        "reject_reason",
        "requested_at",
        "decided_at",
    ]
