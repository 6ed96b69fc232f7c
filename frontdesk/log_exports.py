"""The desk logs as .xlsx workbooks (openpyxl, as billing's statement): the filtered list the user
sees, phones masked as on the screen, text that a spreadsheet would run as a formula quoted."""

from __future__ import annotations

from io import BytesIO

from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

# The most rows one export writes: a desk log of a year fits; beyond that, narrow the filters.
MAX_ROWS = 20000
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value):
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def xlsx_response(content: bytes, name: str) -> HttpResponse:
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{name}.xlsx"'
    response["Cache-Control"] = "no-store"
    return response


def _when(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") if moment else ""


def _who(user) -> str:
    return (user.get_full_name() or user.username) if user is not None else ""


def _workbook(title: str, header: list[str], rows) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = title[:31]
    sheet.append(header)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append([safe_cell(value) for value in row])
    buffer = BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def visitors_workbook(queryset) -> bytes:
    header = [
        _("Estate"),
        _("Unit"),
        _("Visitor's name"),
        _("Visitor's phone"),
        _("Purpose of the visit"),
        _("Time in"),
        _("Time out"),
        _("Let in by"),
    ]
    rows = (
        [
            v.estate.name,
            v.unit.code,
            v.name,
            v.phone_masked,
            v.purpose,
            _when(v.arrived_at),
            _when(v.left_at),
            _who(v.let_in_by),
        ]
        for v in queryset[:MAX_ROWS]
    )
    return _workbook(_("Visitors"), header, rows)


def lost_items_workbook(queryset) -> bytes:
    header = [
        _("Estate"),
        _("Item"),
        _("Where found"),
        _("When found"),
        _("Handed in by"),
        _("Storage place"),
        _("Status"),
        _("Kept until"),
        _("Claimant"),
        _("Claimant's phone"),
        _("Claimed at"),
        _("Disposed of at"),
    ]
    rows = (
        [
            i.estate.name,
            i.description,
            i.found_place,
            _when(i.found_at),
            i.handed_in_by,
            i.storage_place,
            i.get_status_display(),
            i.keep_until.isoformat(),
            i.claimant_name,
            i.claimant_phone_masked,
            _when(i.claimed_at),
            _when(i.disposed_at),
        ]
        for i in queryset[:MAX_ROWS]
    )
    return _workbook(_("Lost and found"), header, rows)


def parcels_workbook(queryset) -> bytes:
    header = [
        _("Estate"),
        _("Unit"),
        _("Name on the parcel"),
        _("Carrier"),
        _("Tracking number"),
        _("Status"),
        _("Received at"),
        _("Logged by"),
        _("Collected by"),
        _("Handed over by"),
        _("Picked up at"),
        _("Returned at"),
    ]
    rows = (
        [
            p.estate.name,
            p.unit.code,
            p.recipient_name,
            p.carrier,
            p.tracking_number,
            p.get_status_display(),
            _when(p.received_at),
            _who(p.logged_by),
            p.collected_by,
            _who(p.handed_over_by),
            _when(p.picked_up_at),
            _when(p.returned_at),
        ]
        for p in queryset[:MAX_ROWS]
    )
    return _workbook(_("Parcels"), header, rows)


def key_custodies_workbook(queryset) -> bytes:
    """Expects the list's rows; the named collectors come in one more query."""
    header = [
        _("Estate"),
        _("Unit"),
        _("Keys"),
        _("Number of keys"),
        _("Storage tag"),
        _("Owner"),
        _("Owner's mobile"),
        _("May collect"),
        _("Status"),
        _("Received at"),
        _("Received by"),
        _("Returned to the owner at"),
    ]
    rows = (
        [
            c.estate.name,
            c.unit.code,
            c.description,
            c.quantity,
            c.storage_tag,
            c.owner.name,
            c.owner.mobile_masked,
            "; ".join(f"{k.name} {k.phone_masked}" for k in c.collectors.all() if k.is_active),
            c.get_status_display(),
            _when(c.received_at),
            _who(c.received_by),
            _when(c.closed_at),
        ]
        for c in queryset.select_related("received_by").prefetch_related("collectors")[:MAX_ROWS]
    )
    return _workbook(_("Key custody"), header, rows)


def invoice_requests_workbook(queryset) -> bytes:
    header = [
        _("Estate"),
        _("Unit"),
        _("Requested at"),
        _("Requested by"),
        _("Channel"),
        _("Invoice title"),
        _("Tax number"),
        _("Amount"),
        _("Status"),
        _("Invoice number"),
        _("Reason for rejection"),
        _("Decided by"),
        _("Decided at"),
    ]
    rows = (
        [
            r.estate.name,
            r.unit.code,
            _when(r.requested_at),
            _who(r.requested_by),
            r.get_channel_display(),
            r.title,
            r.tax_number,
            r.amount,
            r.get_status_display(),
            r.invoice_number,
            r.reject_reason,
            _who(r.decided_by),
            _when(r.decided_at),
        ]
        for r in queryset.select_related("decided_by")[:MAX_ROWS]
    )
    return _workbook(_("Invoice requests"), header, rows)
