"""The desk logs as .xlsx workbooks (openpyxl, as billing's statement): the filtered list the user
sees, phones masked as on the screen, text that a spreadsheet would run as a formula quoted."""

from __future__ import annotations

from io import BytesIO

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
